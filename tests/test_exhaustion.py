"""When does demand catch up with the stock? Engine-level tests of the exhaustion event.

Two kinds of number appear below, and each test says which it uses.

From the paper (Villalobos et al. 2024, "Position: Will we run out of data?", ICML 2024, arXiv
2211.04325v2, "V24"), used as bounds the model must respect:
* median exhaustion 2028, 80% interval 2026–2032 (Fig. 1 annotation);
* effective stock ~3e14 tokens (90% CI 1e14–1e15) in 2024; datasets ~4e14 tokens at exhaustion;
* 5× overtraining brings exhaustion about one year earlier (§2.5, Fig. 6: ~2027);
* private text delays the bottleneck (§3.3).

This model's own results for the shipped scenarios, pinned so that a change shows up (they are
not published figures; docs/validation.md §1 sets them beside the paper's): baseline median 2029Q2,
80% interval 2027Q1–2032Q3, 90% interval 2026Q2–2034Q1 (its level and growth drawn from one frontier
fit, docs/derivations.md §10); overtrained-5x five quarters earlier at the 20,000 samples used here
(2028Q1); private-text 2030Q3.

Runs use the scenario's seed; engine samples are keyed by the input's dotted name, so two scenarios
that differ only in one input share every other draw, and per-sample comparisons are meaningful.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecast.engine import run
from forecast.io.scenario import load_scenario
from forecast.schema import SourceOverride
from forecast.schema.scenario import ComputeDemand, HistoricalDemand, Repetition
from forecast.units import Quarter

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
BASELINE = SCENARIOS / "baseline.yaml"
N = 20_000          # samples for comparisons between scenarios
N_PROPERTY = 4_000  # samples per hypothesis example


def supply_demand_scenarios() -> list[Path]:
    """Every shipped scenario with a supply-and-demand section (after ``extends``); cost-only ones
    (gpt-class, mix-sweep, ...) have no exhaustion event."""
    from forecast.errors import ScenarioError
    from forecast.io.yamlload import load_scenario_data

    keep = []
    for path in sorted(SCENARIOS.glob("*.yaml")):
        try:
            has_supply = "supply" in load_scenario_data(path).data
        except ScenarioError:
            has_supply = True  # unreadable: keep it, so the test fails on it rather than skipping it
        if has_supply:
            keep.append(path)
    return keep


def scenario(name: str):
    return load_scenario(SCENARIOS / f"{name}.yaml").scenario


def variant(tmp_path: Path, name: str, body: str):
    """A scenario file in tmp_path that extends the shipped baseline (by absolute path)."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"extends: {BASELINE}\nname: {name}\n{body}", encoding="utf-8")
    return load_scenario(path).scenario


def ordinal(label: str) -> int:
    return Quarter.parse(label).ordinal


def period(label: str) -> pd.Period:
    return pd.Period(label, freq="Q")


def median_ordinal(result) -> int:
    return ordinal(result.event_quantile("exhaustion", 0.5))


@pytest.fixture(scope="module")
def baseline_full():
    """The shipped baseline as shipped: seed 20240604, 50,000 samples."""
    s = scenario("baseline")
    assert (s.seed, s.samples) == (20240604, 50_000)
    return run(s)


@pytest.fixture(scope="module")
def baseline():
    return run(scenario("baseline"), samples=N)


# --- published-result regression ----------------------------------------------------------------


def test_baseline_median_exhaustion_regression(baseline_full) -> None:
    """This model's result, pinned: median 2029Q2 (year 2029); 80% interval 2027Q1–2032Q3; 90%
    interval 2026Q2–2034Q1. From the paper: V24's median of 2028 and 80% interval of 2026–2032.

    The median is asserted at its own value (2029), not the paper's (2028); the interval is asserted
    to lie inside the paper's. Our median quarter is the first quarter by whose END half the samples
    have demand ≥ stock, i.e. 2029.5; V24 reads its median off a 0.24-year grid as the grid point
    just before P crosses 0.5. Why a year later: with the paper's own set-up each leg alone gives
    2029Q1 here (benchmarks/v24-baseline.yaml), and the paper's
    compute leg follows Besiroglu et al.'s 2022 compute projection (not public), which must reach
    ~5e28 FLOP sooner than the constant 4–5×/yr the baseline assumes. docs/validation.md §1 gives
    the comparison and docs/derivations.md §7 a re-run of the paper's own historical leg (2029.05).
    """
    summary = baseline_full.event_summary().set_index("event").loc["exhaustion"]
    assert Quarter.parse(summary["median"]).year == 2029
    p10, p90 = Quarter.parse(summary["p10"]), Quarter.parse(summary["p90"])
    assert 2025 <= p10.year and p90.year <= 2033
    assert 2026 <= p10.year <= p90.year <= 2032            # within V24's published 80% interval
    assert summary["probability_by_end"] > 0.99


def test_baseline_stock_and_demand_levels_match_v24(baseline_full) -> None:
    # Paper, V24 §2.3: effective stock ≈ 3e14 tokens, 90% CI 1e14–1e15 (indexed web × quality ×
    # repetition); this model's 2024Q1 quantiles must match it within the tolerances below.
    stock = baseline_full.metric("stock").loc[period("2024Q1")]
    assert stock["p50"] == pytest.approx(3e14, rel=0.2)
    assert 0.7e14 <= stock["p5"] <= 1.3e14
    assert 0.7e15 <= stock["p95"] <= 1.5e15
    # V24 Fig. 1 (paper): datasets of ~4e14 tokens when the stock runs out. This model's median demand
    # at its median exhaustion quarter (now 5.8e14) must lie within a factor 1.5 of it.
    median_q = baseline_full.event_quantile("exhaustion", 0.5)
    demand = baseline_full.metric("demand").loc[period(median_q), "p50"]
    assert 4e14 / 1.5 <= demand <= 4e14 * 1.5


def test_same_seed_same_result() -> None:
    s = scenario("baseline")
    a, b = run(s, samples=3_000), run(s, samples=3_000)
    np.testing.assert_array_equal(a.events["exhaustion"], b.events["exhaustion"])
    for name in a.stats:
        np.testing.assert_array_equal(a.stats[name], b.stats[name])
    c = run(s, seed=s.seed + 1, samples=3_000)
    assert not np.array_equal(a.events["exhaustion"], c.events["exhaustion"])


def test_mixture_follows_one_path_per_sample(baseline) -> None:
    # V24 §2.4: demand is an equal-weight mixture of the historical trend and the compute path. Each
    # sample follows one path, so its exhaustion quarter is that of the historical-only or of the
    # compute-only run (same draws), and about half the samples follow each.
    s = scenario("baseline")
    only = {method: run(s.model_copy(update={"demand": s.demand.model_copy(update={"method": method})}),
                        samples=N).events["exhaustion"]
            for method in ("historical", "compute")}
    mixed = baseline.events["exhaustion"]
    assert np.all((mixed == only["historical"]) | (mixed == only["compute"]))
    differ = only["historical"] != only["compute"]
    assert differ.mean() > 0.5
    share_historical = np.mean(mixed[differ] == only["historical"][differ])
    assert share_historical == pytest.approx(0.5, abs=0.03)


def test_repetition_by_epochs_matches_the_equivalent_multiplier() -> None:
    # Muennighoff et al. 2023 eq. (5): 4 epochs with R_D* = 15.387756 are worth
    # 1 + 15.387756 × (1 − e^(−3/15.387756)) = 3.7256731 fresh epochs; the engine must give the same
    # stock and exhaustion quarters whether the scenario states epochs or that multiplier.
    s = scenario("baseline")

    def with_repetition(**kwargs):
        rep = Repetition.model_validate(kwargs)
        return s.model_copy(update={"supply": s.supply.model_copy(update={"repetition": rep})})

    by_epochs = run(with_repetition(epochs=4, decay_constant=15.387756), samples=N_PROPERTY)
    by_multiplier = run(with_repetition(multiplier=3.725673123061326), samples=N_PROPERTY)
    np.testing.assert_allclose(by_epochs.stats["stock"], by_multiplier.stats["stock"], rtol=1e-12)
    np.testing.assert_array_equal(by_epochs.events["exhaustion"], by_multiplier.events["exhaustion"])


# --- the synthetic gap ---------------------------------------------------------------------------


def test_synthetic_share_median_is_zero_before_median_exhaustion(baseline_full) -> None:
    m = baseline_full.quarters.index(baseline_full.event_quantile("exhaustion", 0.5))
    for metric in ("synthetic_share", "synthetic_needed"):
        p50 = baseline_full.metric(metric)["p50"].to_numpy()
        assert np.all(p50[:m] == 0.0), metric
        assert np.all(p50[m:] > 0.0), metric
    share = baseline_full.metric("synthetic_share").to_numpy()
    assert np.all((share >= 0.0) & (share < 1.0))
    # The median ratio demand/stock crosses 1 in the same quarter.
    ratio = baseline_full.metric("ratio")["p50"].to_numpy()
    assert ratio[m - 1] < 1.0 <= ratio[m]


# --- event summary and CDF -----------------------------------------------------------------------


@pytest.mark.parametrize("path", supply_demand_scenarios(), ids=lambda p: p.stem)
def test_event_cdf_is_a_cdf_for_every_scenario(path: Path) -> None:
    s = load_scenario(path).scenario
    result = run(s, samples=2_000)
    cdf = result.event_cdf()
    ex = cdf[cdf["event"] == "exhaustion"]
    assert list(ex["quarter"]) == list(result.quarters)
    p = ex["probability"].to_numpy()
    assert np.all(np.diff(p) >= 0.0)
    assert 0.0 <= p[0] and p[-1] <= 1.0
    assert p[-1] == pytest.approx(result.event_probability("exhaustion"), abs=1e-12)
    summary = result.event_summary().set_index("event").loc["exhaustion"]
    assert p[-1] == pytest.approx(summary["probability_by_end"], abs=1e-12)
    # The summary's quantiles are where the CDF crosses them, and they are ordered.
    labels = [summary[k] for k in ("p5", "p10", "median", "p90", "p95")]
    positions = [result.quarters.index(x) if x in result.quarters else len(result.quarters) for x in labels]
    assert positions == sorted(positions)
    m = positions[2]
    if m < len(result.quarters):
        assert p[m] >= 0.5 and (m == 0 or p[m - 1] < 0.5)


def test_never_exhausted_reports_after_the_horizon(tmp_path: Path) -> None:
    # Demand starts at 1e9 tokens (compute path: sqrt(20 × 1e20 / 6) = 1.8e10) and grows 1%/yr on
    # both paths; the effective stock starts near 3e14 (≥ 1e13 in practice) and grows ~8%/yr.
    s = variant(tmp_path, "never", """
demand:
  historical:
    current_largest: 1B
    reference: 2024Q1
    growth: 1.01x/yr
  compute:
    current_largest: 1e20
    growth: 1.01x/yr
""")
    result = run(s, samples=2_000)
    summary = result.event_summary().set_index("event").loc["exhaustion"]
    for key in ("median", "p5", "p10", "p90", "p95"):
        assert summary[key] == "after 2040Q4", key
    assert summary["probability_by_end"] == 0.0
    cdf = result.event_cdf()
    assert np.all(cdf["probability"].to_numpy() == 0.0)
    assert np.all(result.metric("synthetic_needed").to_numpy() == 0.0)
    assert np.all(result.events["exhaustion"] == len(result.quarters))


# --- shipped variants ----------------------------------------------------------------------------


def test_overtrained_5x_is_about_a_year_earlier(baseline) -> None:
    ot = run(scenario("overtrained-5x"), samples=N)
    # Same draws for every shared input; √5 more data on both paths can only bring exhaustion forward.
    assert np.all(ot.events["exhaustion"] <= baseline.events["exhaustion"])
    shift = median_ordinal(baseline) - median_ordinal(ot)
    # Paper, V24 §2.5: ~1 year earlier (2027 vs 2028). This model: 5 quarters (2029Q2 → 2028Q1);
    # allow 3–6 quarters.
    assert 3 <= shift <= 6, shift
    # Overtraining k = 5 multiplies every sample's dataset by √5 = 2.2360680 on both paths
    # (V24 §2.5), so every quantile of demand scales by exactly √5 and the stock is untouched.
    np.testing.assert_allclose(ot.stats["demand"], np.sqrt(5.0) * baseline.stats["demand"], rtol=1e-9)
    np.testing.assert_array_equal(ot.stats["stock"], baseline.stats["stock"])


def test_private_text_is_later(baseline) -> None:
    pt = run(scenario("private-text"), samples=N)
    # Paper, V24 §3.3: private text delays the bottleneck (~1.5 years with ~3e15 tokens). This model:
    # 2030Q3, five quarters after the baseline; the test asserts only the direction.
    assert np.all(pt.events["exhaustion"] >= baseline.events["exhaustion"])
    assert median_ordinal(pt) > median_ordinal(baseline)


def test_slow_growth_is_later(baseline) -> None:
    slow = run(scenario("slow-growth"), samples=N)
    assert median_ordinal(slow) > median_ordinal(baseline)


def test_peak_2023_median_in_2023_or_2024() -> None:
    # Curated text only (books, papers, code: ~4e12 tokens), used once, against baseline demand
    # (a level of ~9T in 2024): the stock is gone by the start. Now median 2023Q1, 80% interval 2023Q1–2024Q2;
    # samples already exhausted in the first quarter of the horizon are reported as 2023Q1.
    result = run(scenario("peak-2023"), samples=N)
    assert Quarter.parse(result.event_quantile("exhaustion", 0.5)).year in (2023, 2024)


# --- monotonicity --------------------------------------------------------------------------------

# indexed_web stock in data/text_stock.csv: 95% interval 1.3e14–2.1e15 (V24 Table 1).
WEB_LOW, WEB_HIGH = 1.3e14, 2.1e15


@pytest.fixture(scope="module")
def small_baseline():
    s = scenario("baseline")
    return s, run(s, samples=N_PROPERTY)


def with_web_stock(s, factor: float):
    override = SourceOverride.model_validate(
        {"stock": {"dist": "lognormal", "low": WEB_LOW * factor, "high": WEB_HIGH * factor,
                   "credibility": 95}})
    return s.model_copy(update={"supply": s.supply.model_copy(update={"sources": {"indexed_web": override}})})


def fields(model) -> dict:
    """A model's fields as they are (specs stay validated objects, so they pass through again)."""
    return {name: getattr(model, name) for name in type(model).model_fields}


def with_compute_growth(s, factor: float):
    # Baseline compute growth 4–5×/yr (90%) → 4k–5k×/yr: same σ, every sample's growth × k.
    compute = ComputeDemand.model_validate(
        {**fields(s.demand.compute), "growth": f"{4 * factor}x/yr to {5 * factor}x/yr"})
    return s.model_copy(update={"demand": s.demand.model_copy(update={"compute": compute})})


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(factor=st.floats(min_value=1.0, max_value=30.0))
def test_more_stock_never_earlier(small_baseline, factor: float) -> None:
    s, base = small_baseline
    bigger = run(with_web_stock(s, factor), samples=N_PROPERTY)
    assert np.all(bigger.events["exhaustion"] >= base.events["exhaustion"])
    assert median_ordinal(bigger) >= median_ordinal(base)


def test_web_stock_override_at_factor_one_reproduces_the_csv(small_baseline) -> None:
    # The override restates the CSV row, so nothing may change: the test above compares like with like.
    s, base = small_baseline
    same = run(with_web_stock(s, 1.0), samples=N_PROPERTY)
    np.testing.assert_array_equal(same.events["exhaustion"], base.events["exhaustion"])


@pytest.mark.parametrize("factor", [2, 10])
def test_more_repetition_never_earlier(tmp_path: Path, small_baseline, factor: int) -> None:
    # Repetition multiplier 2–5× (95%) → 2k–5k×: the effective stock is k× larger in every sample.
    s = variant(tmp_path, f"rep{factor}", f"""
supply:
  repetition:
    multiplier: {{dist: lognormal, low: {2 * factor}, high: {5 * factor}, credibility: 95}}
""")
    _, base = small_baseline
    bigger = run(s, samples=N_PROPERTY)
    assert np.all(bigger.events["exhaustion"] >= base.events["exhaustion"])
    assert median_ordinal(bigger) > median_ordinal(base)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(factor=st.floats(min_value=1.0, max_value=3.0))
def test_faster_compute_growth_never_later(small_baseline, factor: float) -> None:
    s, base = small_baseline
    faster = run(with_compute_growth(s, factor), samples=N_PROPERTY)
    assert np.all(faster.events["exhaustion"] <= base.events["exhaustion"])
    assert median_ordinal(faster) <= median_ordinal(base)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(factor=st.floats(min_value=1.0, max_value=2.0))
def test_faster_historical_growth_never_later(factor: float) -> None:
    # The historical leg with an explicit growth interval 2–3×/yr (instead of the fit), scaled by k;
    # the level still comes from the fit, drawn alone (no growth from the fit to join it to).
    s = scenario("baseline")

    def with_growth(k: float):
        hist = HistoricalDemand.model_validate(
            {**fields(s.demand.historical), "growth": f"{2 * k}x/yr to {3 * k}x/yr"})
        return s.model_copy(update={"demand": s.demand.model_copy(update={"historical": hist})})

    base = run(with_growth(1.0), samples=N_PROPERTY)
    faster = run(with_growth(factor), samples=N_PROPERTY)
    assert np.all(faster.events["exhaustion"] <= base.events["exhaustion"])
    assert median_ordinal(faster) <= median_ordinal(base)
