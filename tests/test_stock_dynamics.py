"""Stock dynamics, the price of the gap, repeated synthetic data and collapse in shipped scenarios.

Engine-level behaviour (issue 17). Inputs are drawn from one stream per dotted name, so two variants
of a scenario that differ in one input share every other draw and compare sample by sample.
Figures pinned here are this model's results for the shipped scenarios (docs/validation.md §5–7),
except the Phi-4 figures, which are Abdin et al. 2024's.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from forecast.engine import headline_run, run
from forecast.engine.paths import log_paths
from forecast.engine.supply_demand import exhaustion
from forecast.errors import ScenarioError
from forecast.io.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
N = 4000


def _scenario(tmp_path: Path, body: str, parent: str = "baseline.yaml", name: str = "v"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"extends: {SCENARIOS / parent}\nname: {name}\n{body}", encoding="utf-8")
    return load_scenario(path).scenario


def _first(tmp_path, body, name="v", parent="baseline.yaml"):
    return headline_run(_scenario(tmp_path, body, parent, name), samples=N).events["exhaustion"]


def _dyn(**kw) -> str:
    return "supply:\n  dynamics:\n" + "".join(f"    {k}: {v}\n" for k, v in kw.items())


def test_neutral_dynamics_give_the_closed_form_answer(tmp_path):
    # h = 1 and no erosion: H_k = W_k, so the scanned stock is the fixed exponential and every
    # sample's exhaustion quarter is the closed-form one
    plain = _first(tmp_path, "", "plain")
    neutral = _first(tmp_path, _dyn(human_share="100%", consent_erosion="0%"), "neutral")
    assert np.array_equal(plain, neutral)


def test_dynamics_take_the_scan_not_the_closed_form(tmp_path, monkeypatch):
    from forecast.models import crossing

    def refuse(*args, **kwargs):
        raise AssertionError("closed form used for a stock that is not log-linear")

    monkeypatch.setattr(crossing, "exhaustion_quarter", refuse)
    scenario = _scenario(tmp_path, _dyn(human_share="50%"))
    paths = log_paths(scenario, _values(scenario), scenario.seed, 200, None, {})
    assert paths.extra is not None
    assert exhaustion(paths).shape == (200,)


def _values(scenario, n=200):
    from forecast.engine.inputs import collect_inputs, draw_inputs

    return draw_inputs(collect_inputs(scenario, None), scenario.seed, n, scenario.correlations, None)


def test_more_ai_written_share_exhausts_earlier_sample_by_sample(tmp_path):
    mostly_human = _first(tmp_path, _dyn(human_share="80%"), "h80")
    mostly_ai = _first(tmp_path, _dyn(human_share="30%"), "h30")
    # where the web grows, less of its new text is human: a smaller stock, never a later crossing;
    # a web that shrinks (growth below 1x/yr, the far tail of its 1.03-1.13x/yr 95% interval) loses
    # human text at the human share, so there a larger share shrinks the stock faster
    growth = _values(_scenario(tmp_path, _dyn(human_share="30%"), name="g"), N)["supply.sources.indexed_web.growth"]
    grows = growth >= 1.0
    assert grows.mean() > 0.99
    assert np.all(mostly_ai[grows] <= mostly_human[grows])
    assert mostly_ai.mean() < mostly_human.mean()


def test_more_consent_erosion_exhausts_earlier_sample_by_sample(tmp_path):
    slow = _first(tmp_path, _dyn(consent_erosion="1%"), "r1")
    fast = _first(tmp_path, _dyn(consent_erosion="8%"), "r8")
    assert np.all(fast <= slow)
    assert fast.mean() < slow.mean()


def test_more_licensed_text_exhausts_later_sample_by_sample(tmp_path):
    little = _first(tmp_path, _dyn(licensed_additions="1T"), "l1")
    much = _first(tmp_path, _dyn(licensed_additions="50T"), "l50")
    assert np.all(much >= little)
    assert much.mean() > little.mean()


def test_ai_written_inflow_is_earlier_than_the_baseline():
    base = headline_run(load_scenario(SCENARIOS / "baseline.yaml").scenario, samples=20_000)
    inflow = headline_run(load_scenario(SCENARIOS / "ai-written-inflow.yaml").scenario, samples=20_000)
    assert np.all(inflow.events["exhaustion"] <= base.events["exhaustion"])
    # this model, 20,000 samples: baseline 2029Q2, ai-written-inflow 2028Q4 (docs/validation.md §5)
    assert inflow.event_quantile("exhaustion", 0.5) < base.event_quantile("exhaustion", 0.5)


def test_stock_terms_add_up_to_the_stock(tmp_path):
    scenario = _scenario(tmp_path, _dyn(human_share="50%", consent_erosion="3%", licensed_additions="5T"))
    result = run(scenario, samples=500)
    summary = result.summary()
    assert {"stock_human_inflow", "stock_consent_loss", "stock_licensed"} <= set(summary["metric"])
    # licensed: 5T × repetition multiplier, one quarter more per quarter; the mean at τ = 4 years is
    # 4 × 5T × mean(multiplier) (multiplier lognormal 2–5, 95%)
    licensed = result.stats["stock_licensed"]
    assert licensed[0, 0] == 0.0
    assert licensed[16, 0] == pytest.approx(4 * licensed[4, 0], rel=1e-12)


@pytest.mark.parametrize("name", ["baseline", "ai-written-inflow"])
def test_gap_is_priced_per_quarter_with_totals_by_2030_and_2035(name):
    # every supply scenario prices its gap: the baseline's `gap` block, inherited by its variants
    result = run(load_scenario(SCENARIOS / f"{name}.yaml").scenario, samples=4000)
    q = list(result.quarters)
    for metric in ("gap_cost_synthetic", "gap_cost_licensed", "gap_synthetic_cheaper",
                   "gap_tokens_synthetic", "gap_tokens_licensed",
                   "gap_cost_synthetic_cumulative", "gap_cost_licensed_cumulative"):
        assert metric in result.stats
    totals = result.tables["gap_cost_totals"]
    assert totals["by_end_of"].tolist() == [2030] * 5 + [2035] * 5
    assert totals["route"].tolist() == ["synthetic", "licensed", "total", "all_synthetic", "licensed_first"] * 2
    # the cheapest routes never cost more than all synthetic, sample by sample, so on average too
    means = totals.set_index(["by_end_of", "route"])["mean"]
    for year in (2030, 2035):
        assert means[(year, "total")] <= means[(year, "all_synthetic")] * (1 + 1e-12)
    # each quarter's new gap tokens go to one route or the other: summed, the largest gap so far of
    # each sample, never less than its gap in 2035Q4 (means over samples)
    k = q.index("2035Q4")
    bought = result.stats["gap_tokens_synthetic"][: k + 1, 0].sum() + result.stats["gap_tokens_licensed"][: k + 1, 0].sum()
    assert bought >= result.stats["synthetic_needed"][k, 0] * (1 - 1e-9) > 0
    # the cumulative cost is the sum of the quarters' costs, so its mean is the sum of their means;
    # the totals table holds the same cumulative costs at 2030Q4, and the total is the two routes'
    k = q.index("2030Q4")
    for route in ("synthetic", "licensed"):
        per_quarter = result.stats[f"gap_cost_{route}"][: k + 1, 0].sum()
        assert result.stats[f"gap_cost_{route}_cumulative"][k, 0] == pytest.approx(per_quarter, rel=1e-9)
        row = totals[(totals.by_end_of == 2030) & (totals.route == route)].iloc[0]
        assert row["mean"] == pytest.approx(result.stats[f"gap_cost_{route}_cumulative"][k, 0], rel=1e-9)
    by2030 = totals[totals.by_end_of == 2030].set_index("route")["mean"]
    assert by2030["total"] == pytest.approx(by2030["synthetic"] + by2030["licensed"], rel=1e-12)
    # nothing is paid before a sample is exhausted: in the first quarter, most samples pay nothing
    # (a few start exhausted: the level drawn from the fit has a long upper tail, docs/derivations.md §10)
    first = result.metric("gap_cost_synthetic").iloc[0]
    assert first["p50"] == 0.0 and (result.events["exhaustion"] == 0).mean() < 0.05
    assert (first["mean"] > 0.0) == bool((result.events["exhaustion"] == 0).any())


def test_gap_and_cost_answers_in_one_run():
    # supply/demand with a gap section and a cost section in one scenario: both answers in one run
    inflow = load_scenario(SCENARIOS / "ai-written-inflow.yaml").scenario
    phi4 = load_scenario(SCENARIOS / "phi-4.yaml").scenario
    combined = inflow.model_copy(update={"name": "combined", "cost": phi4.cost})
    result = run(combined, samples=1000)
    alone = run(phi4, seed=inflow.seed, samples=1000)
    assert {"gap_cost_totals", "cost_breakdown"} <= set(result.tables)
    assert "gap_cost_synthetic" in result.stats and "exhaustion" in result.events
    # the cost answer is the same as the cost scenario's own (same seed, same named inputs)
    assert result.tables["cost_breakdown"].equals(alone.tables["cost_breakdown"])


def test_filter_yield_replaces_every_quality(tmp_path):
    scenario = _scenario(tmp_path, "supply:\n  filter_yield: {value: 1.6%, source: DCLM-Baseline 3.8T of 240T}\n")
    result = run(scenario, samples=300)
    names = set(result.inputs["input"])
    assert "supply.filter_yield" in names and "supply.sources.indexed_web.quality" not in names
    # 1.6% instead of a 20% median quality: a stock about 12x smaller, exhausted no later in any sample
    plain = run(load_scenario(SCENARIOS / "baseline.yaml").scenario, samples=300)
    assert np.all(result.events["exhaustion"] <= plain.events["exhaustion"])


def test_licensed_spend_is_additions_times_price(tmp_path):
    scenario = _scenario(tmp_path, _dyn(licensed_additions="2T", licensed_price_per_mtok="$100"))
    result = run(scenario, samples=200)
    # 2T/yr × $100 per Mtok = $200M a year; four years after the first quarter's end: $800M
    assert result.stats["licensed_spend"][16, 0] == pytest.approx(8e8, rel=1e-12)


def test_dynamics_refuse_unknown_sources_and_empty_blocks(tmp_path):
    with pytest.raises(ScenarioError, match="not in include"):
        _scenario(tmp_path, _dyn(human_share="50%", sources="[email]"))
    with pytest.raises(ScenarioError, match="at least one"):
        _scenario(tmp_path, "supply:\n  dynamics: {sources: [indexed_web]}\n")


# --- collapse and repeated synthetic data in shipped cost scenarios --------------------------------

def test_replace_and_accumulate_differ_in_palmyra(tmp_path):
    def p50(result):
        return float(result.tables["cost_breakdown"].set_index("item").loc["total", "p50"])

    shipped = headline_run(load_scenario(SCENARIOS / "palmyra-x-004.yaml").scenario, samples=2000)
    replace = headline_run(_scenario(tmp_path, "cost:\n  quality:\n    collapse:\n      workflow: replace\n",
                                     "palmyra-x-004.yaml", "replace"), samples=2000)
    # two generations: accumulate multiplies the penalty by 1 + 1/4, replace by 2, so replace costs more
    assert p50(replace) > 1.1 * p50(shipped)


def test_phi4_epochs_and_compute_match_the_report():
    result = run(load_scenario(SCENARIOS / "phi-4.yaml").scenario, samples=5000)
    table = result.tables["cost_breakdown"].set_index("item")
    epochs = float(table.loc["synthetic_epochs", "p50"])
    # 40% of 10T over 290B unique = 13.79; Abdin et al. 2024 Table 5: 13.8 epochs
    assert epochs == pytest.approx(0.4 * 10e12 / 290e9, rel=1e-12)
    assert epochs == pytest.approx(13.8, rel=0.01)
    # 1920 H100 × 21 days × 24 h = 967,680 GPU-hours (the report) inside the run's 80% interval
    assert table.loc["gpu_hours", "p10"] < 967_680 < table.loc["gpu_hours", "p90"]
    # 6 × 14e9 × 10e12 = 8.4e23 FLOP; Epoch AI's estimate 9.32e23 within 10%
    assert float(table.loc["training_flop", "p50"]) == pytest.approx(8.4e23, rel=1e-12)
    assert float(table.loc["training_flop", "p50"]) == pytest.approx(9.32e23, rel=0.1)
    # generation paid on the 290B unique tokens, not the 3.92T seen: at most $10+$2.5 × prompt
    # ratio ≤ 1 per Mtok over a ≥ 30% acceptance, i.e. ≤ 290e3 Mtok × $12.5 / 0.3 ≈ $12.1M
    assert float(table.loc["synthetic_generation", "p90"]) < 12.1e6


def test_unique_synthetic_tokens_need_a_given_run_and_a_decay_constant(tmp_path):
    with pytest.raises(ScenarioError, match="run.size: given"):
        _scenario(tmp_path, "cost:\n  synthetic_data:\n    unique_tokens: 100B\n    decay_constant: 15.4\n",
                  "palmyra-x-004.yaml")
    with pytest.raises(ScenarioError, match="decay_constant"):
        _scenario(tmp_path, "cost:\n  synthetic_data:\n    decay_constant: null\n", "phi-4.yaml")


# --- demand with limits ------------------------------------------------------------------------------

def _limit(ceiling: str, after: str = "1.5x/yr") -> str:
    return f"demand:\n  compute:\n    limit:\n      ceiling: {ceiling}\n      growth_after: {after}\n"


def test_an_unreached_compute_ceiling_changes_nothing(tmp_path):
    plain = _first(tmp_path, "", "plain")
    # 1e40 FLOP is never reached by 2040 (1e26 × 5^17 ≈ 7.6e37), so the scanned path is the closed form
    far = _first(tmp_path, _limit("1e40"), "far")
    assert np.array_equal(plain, far)


def test_a_lower_compute_ceiling_exhausts_later_sample_by_sample(tmp_path):
    high = _first(tmp_path, _limit("1e30"), "c30")
    low = _first(tmp_path, _limit("1e27"), "c27")
    assert np.all(low >= high)
    assert low.mean() > high.mean()


def test_tapered_demand_by_hand(tmp_path):
    # compute path only, fixed inputs: 1e26 FLOP at 2024Q1 growing 4x/yr, ceiling 1.6e27 (reached
    # after two years, at the start of 2026), then 2x/yr. Dataset = sqrt(20 × C / 6).
    body = """demand:
  method: compute
  historical_weight: null
  compute:
    current_largest: 1e26
    growth: 4x/yr
    limit: {ceiling: 1.6e27, growth_after: 2x/yr}
"""
    result = run(_scenario(tmp_path, body), samples=50)
    q = list(result.quarters)
    demand = result.stats["demand"][:, 0]
    # 2025Q4 ends at 2026.0: C = 1.6e27, D = sqrt(20 × 1.6e27 / 6) = 7.3030e13
    assert demand[q.index("2025Q4")] == pytest.approx(np.sqrt(20 * 1.6e27 / 6), rel=1e-9)
    # 2027Q4 ends at 2028.0: C = 1.6e27 × 2² = 6.4e27, D = sqrt(20 × 6.4e27 / 6) = 1.4606e14 (not 4²× more)
    assert demand[q.index("2027Q4")] == pytest.approx(np.sqrt(20 * 6.4e27 / 6), rel=1e-9)


def test_a_compute_ceiling_caps_the_historical_path_of_a_mixture_by_hand(tmp_path):
    # every sample on the historical trend (weight 100%): 1e13 tokens at the start of 2024 growing
    # 4x/yr. The ceiling 7.68e27 FLOP can use D_cap = sqrt(20 × 7.68e27 / 6) = 1.6e14 tokens, which
    # the trend reaches after two years (1e13 × 4² = 1.6e14, at 2026.0); after it the dataset grows
    # as compute does at 2.25x/yr: √2.25 = 1.5x/yr.
    body = """demand:
  historical_weight: 100%
  historical:
    current_largest: 1e13
    reference: 2024Q1
    growth: 4x/yr
  compute:
    limit: {ceiling: 7.68e27, growth_after: 2.25x/yr}
"""
    result = run(_scenario(tmp_path, body), samples=50)
    q = list(result.quarters)
    demand = result.stats["demand"][:, 0]
    # 2024Q4 ends at 2025.0, below the ceiling: 1e13 × 4 = 4e13, the trend itself
    assert demand[q.index("2024Q4")] == pytest.approx(4e13, rel=1e-9)
    # 2025Q4 ends at 2026.0: at the ceiling's dataset, 1.6e14
    assert demand[q.index("2025Q4")] == pytest.approx(1.6e14, rel=1e-9)
    # 2027Q4 ends at 2028.0: 1.6e14 × 1.5² = 3.6e14, not the trend's 1.6e14 × 4² = 2.56e15
    assert demand[q.index("2027Q4")] == pytest.approx(3.6e14, rel=1e-9)


def test_compute_limits_2040_demand_is_below_what_its_ceiling_allows():
    # compute-limits: ceiling 1e29 to 1e30 FLOP and growth after it 1.3x/yr to 2x/yr, both lognormal
    # 90% intervals, so 95% of draws have ceiling ≤ 1e30 and growth_after ≤ 2x/yr. A sample's dataset
    # at the end of 2040Q4 (τ = 2041.0 − 2024.25 = 16.75 yr after the origin) is at most the
    # ceiling's dataset grown at √growth_after since the origin (both paths start below it):
    # sqrt(20 × 1 × 1e30 / 6) × 2^(16.75 / 2) = 1.826e15 × 332.0 = 6.06e17 tokens. Only samples
    # with a ceiling above 1e30 or a growth above 2x/yr (at most 5% + 5%) can exceed it, so the p90
    # is below it, on either path of the mixture. With the historical half uncapped the p90 was
    # 6.8e19, the baseline's (6 × D² / 20 ≈ 1.4e39 FLOP of compute-optimal training).
    allowed = np.sqrt(20 * 1e30 / 6) * 2.0 ** (16.75 / 2)
    assert allowed == pytest.approx(6.06e17, rel=1e-3)
    result = run(load_scenario(SCENARIOS / "compute-limits.yaml").scenario, samples=N)
    p90 = float(result.metric("demand").loc["2040Q4", "p90"])
    assert p90 < allowed


@pytest.mark.parametrize("name", ["ai-written-inflow", "licensed-text", "compute-limits"])
def test_point_estimate_equals_a_one_sample_scan(name, monkeypatch):
    """The point estimate takes the scan's kernels: a one-sample run with every uniform at 0.5."""
    from forecast.engine import point
    from forecast.models import sampling

    scenario = load_scenario(SCENARIOS / f"{name}.yaml").scenario
    # mixture demand has no median path; compare on each path alone
    for method in ("historical", "compute"):
        s = scenario.model_copy(update={"demand": scenario.demand.model_copy(update={"method": method})})
        p = point(s)
        with monkeypatch.context() as m:
            m.setattr(sampling, "uniforms", lambda seed, name, n: np.full(n, 0.5))
            r = run(s, samples=1)
        for metric in ("stock", "demand"):
            np.testing.assert_allclose(r.stats[metric][:, 0], p.series[metric], rtol=1e-12)
        first = int(r.events["exhaustion"][0])
        assert p.exhaustion == (r.quarters[first] if first < len(r.quarters) else None)


def test_keys_added_for_dynamics_change_no_earlier_scenario_hash(tmp_path):
    import hashlib
    import json

    from forecast.io.scenario import scenario_hash

    # the baseline as it was before it priced its gap and stated its chosen synthetic share (issue 25)
    base = load_scenario(SCENARIOS / "baseline.yaml").scenario
    base = base.model_copy(update={"gap": None, "demand": base.demand.model_copy(update={"synthetic_choice": None})})
    dumped = base.model_dump(mode="json")
    # the dump without the unset keys of issues 17 and 25 is what scenarios hashed to before them
    for key in ("filter_yield", "dynamics"):
        assert dumped["supply"].pop(key) is None
    assert dumped.pop("gap") is None and dumped["demand"]["compute"].pop("limit") is None
    assert dumped["demand"].pop("synthetic_choice") is None
    assert dumped.pop("title")              # a label for readers (issue 26), never hashed
    before = hashlib.sha256(json.dumps(dumped, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    assert scenario_hash(base) == before
    assert scenario_hash(_scenario(tmp_path, _dyn(consent_erosion="1%"))) != before


def test_report_and_exports_carry_the_new_metrics(tmp_path):
    from forecast.export.tables import iamc_table
    from forecast.report.markdown import render_report

    result = run(load_scenario(SCENARIOS / "ai-written-inflow.yaml").scenario, samples=500)
    text = render_report(result)
    assert "## How the stock grows" in text and "## The price of the gap" in text
    variables = set(iamc_table([result])["variable"])
    assert {"Synthetic Gap|Cost|Synthetic|p50", "Human Text|Effective Stock|Consent Loss|p50",
            "Human Text|Effective Stock|Consent Loss|point"} <= variables
    totals = result.tables["gap_cost_totals"]
    # among draws with a gap, one route or the other is cheaper
    for year in (2030, 2035):
        assert totals[totals.by_end_of == year]["p_cheaper"].sum() == pytest.approx(1.0)


def test_licensed_text_is_bought_out_along_its_curve_then_synthetic_by_hand(tmp_path):
    # Synthetic flat at $1000 per useful Mtok; every licence at the cheapest deal (position 0) and
    # R = 2. Books and papers start at $3750 per Mtok (data/licensable_stock.csv): never bought. Reddit
    # and X text, Q = 0.1397 × 1.26e14 = 1.76022e13 tokens from $100 to $200 per Mtok, is all below
    # $1000: a sample whose largest gap G stays under Q licenses all of it, for
    # C(G) = Q·p_0·(2^{G/Q} − 1)/ln 2 whatever the quarters it came in; above Q it pays C(Q) =
    # Q × $1e-4/ln 2 = $2.5394e9 and (G − Q) × $1e-3 synthetic, and synthetic is the route at the margin.
    from forecast.engine.scan import run_pass

    body = ("gap:\n  generation_per_mtok: $1000\n  acceptance_rate: 100%\n"
            "  synthetic_value: 1\n  price_trend: 1x/yr\n  license_price_position: 0\n  license_price_rise: 2\n")
    scenario = _scenario(tmp_path, body, "ai-written-inflow.yaml", "bought")
    paths = log_paths(scenario, _values(scenario), scenario.seed, 200, None, {})
    rows = _Rows()
    run_pass(paths, rows)
    q, p0 = 0.1397 * 1.26e14, 100e-6
    assert q * p0 / np.log(2.0) == pytest.approx(2.5394e9, rel=1e-4)
    largest, both = np.zeros(200), False
    for k in sorted(rows.rows["synthetic_needed"]):  # every quarter, every sample
        largest = np.maximum(largest, rows.rows["synthetic_needed"][k])
        licensed = np.minimum(largest, q)
        assert rows.rows["gap_tokens_licensed_cumulative"][k] == pytest.approx(licensed, rel=1e-9, abs=1.0)
        assert rows.rows["gap_cost_licensed_cumulative"][k] == pytest.approx(
            q * p0 * (2.0 ** (licensed / q) - 1.0) / np.log(2.0), rel=1e-9, abs=1e-3)
        assert rows.rows["gap_cost_synthetic_cumulative"][k] == pytest.approx(
            np.maximum(largest - q, 0.0) * 1e-3, rel=1e-9, abs=1e-3)
        assert (rows.rows["gap_synthetic_cheaper"][k] == (largest >= q * (1 - 1e-12))).all()
        both |= bool((largest > q).any() and ((largest > 0) & (largest < q)).any())
    assert both  # bought-out and partly bought samples in the same quarter


def test_cumulative_licensed_tokens_never_exceed_the_licensable_stock(tmp_path):
    # every sample and quarter of a run where licensing is worth buying at any price on the curves
    # (synthetic $1e6 per Mtok): at most the licensable stock, 1.26e12 + 7.488e11 + 1.76022e13 tokens
    from forecast.engine.paths import licensable_stock
    from forecast.engine.scan import run_pass

    body = ("gap:\n  generation_per_mtok: $1000000\n  price_trend: 1x/yr\n")
    scenario = _scenario(tmp_path, body, "ai-written-inflow.yaml", "dear")
    names, tokens, _, _ = licensable_stock(scenario, None)
    assert names == ["books", "scientific_papers", "social_media"]
    assert tokens == pytest.approx([0.9 * 1.4e12, 0.72 * 1.04e12, 0.1397 * 1.26e14], rel=1e-12)
    paths = log_paths(scenario, _values(scenario, 300), scenario.seed, 300, None, {})
    rows = _Rows()
    run_pass(paths, rows)
    cumulative = np.stack(list(rows.rows["gap_tokens_licensed_cumulative"].values()))
    assert (cumulative <= tokens.sum() * (1 + 1e-12)).all()
    assert (np.diff(cumulative, axis=0) >= -1e-3).all()
    assert cumulative.max() == pytest.approx(tokens.sum(), rel=1e-9)  # some samples buy it all


class _Rows:
    """Stands in for the engine's summariser and keeps every per-sample row of a pass."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[int, np.ndarray]] = {}

    def table(self, name: str) -> None:
        self.rows.setdefault(name, {})

    def add_row(self, name: str, k: int, row: np.ndarray) -> None:
        self.rows[name][k] = row


def test_human_share_is_read_at_the_middle_of_the_quarter_the_text_is_written_in(tmp_path, monkeypatch):
    # A human share falling linearly from 1 in 2020.0 to 0 in 2040.0 (then 0). The text written in quarter k
    # is W_k − W_{k−1} (W at the quarter ends) and counts at h(middle of k) = 1 − (end_k − 0.125 −
    # 2020)/20, so H_k − H_0 = Σ_{j=1..k} h(end_j − 0.125)·(W_j − W_{j−1}) for every draw. Reading h at
    # the quarter's end (0.006 lower) or the previous quarter's middle (0.0125 higher) moves it by ~1%.
    import shutil

    from forecast.engine.scan import run_pass
    from forecast.models.demand import log_linear

    data = tmp_path / "data"
    shutil.copytree(Path(__file__).resolve().parents[1] / "data", data)
    (data / "share_line.csv").write_text("year,human_share,source\n2020.0,1.0,test\n2040.0,0.0,test\n",
                                         encoding="utf-8")
    path = tmp_path / "line.yaml"
    path.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\nname: line\n"
                    + _dyn(human_share="data", human_share_data="share_line.csv"), encoding="utf-8")
    scenario = load_scenario(path, data_dir=data).scenario
    paths = log_paths(scenario, _values(scenario), scenario.seed, 200, data, {})
    rows = _Rows()
    run_pass(paths, rows)
    ends = np.array([q.end_year for q in scenario.horizon.quarters])

    def inflow(share_years):
        h = np.clip(1.0 - (share_years - 2020.0) / 20.0, 0.0, 1.0)   # held at 0 after 2040.0
        total = np.zeros((200, ends.size))
        for dynamic, a, b in zip(paths.extra.dynamic, paths.stock_a, paths.stock_b):
            if dynamic:
                web = np.stack([log_linear(a, b, float(tau)) for tau in paths.taus], axis=1)
                new = np.diff(web, axis=1) * h[1:]
                total[:, 1:] += np.cumsum(new, axis=1)
        return total

    got = np.stack([rows.rows["stock_human_inflow"][k] for k in range(ends.size)], axis=1)
    expected = inflow(ends - 0.125)
    assert got[:, 1:] == pytest.approx(expected[:, 1:], rel=1e-9)
    assert np.all(got[:, 0] == 0.0)
    for wrong in (ends, np.concatenate(([ends[0]], ends[:-1] - 0.125))):  # the end; the quarter before
        assert not np.allclose(got[:, 4:], inflow(wrong)[:, 4:], rtol=1e-3)
    # the point estimate takes the same instant: it equals a one-draw run at every uniform ½
    from forecast.engine import point
    from forecast.models import sampling

    estimate = point(scenario, data_dir=data)
    monkeypatch.setattr(sampling, "uniforms", lambda seed, name, n: np.full(n, 0.5))
    one = run(scenario, samples=1, data_dir=data)
    assert estimate.series["stock_human_inflow"] == pytest.approx(one.stats["stock_human_inflow"][:, 0], rel=1e-12)


def test_a_flat_or_falling_licence_curve_and_the_old_flat_price_are_refused(tmp_path):
    with pytest.raises(ScenarioError) as err:
        _scenario(tmp_path, "gap:\n  license_price_rise: 1\n", "ai-written-inflow.yaml", "flat")
    assert "license_price_rise must be above 1" in str(err.value)
    with pytest.raises(ScenarioError) as err:
        _scenario(tmp_path, "gap:\n  license_per_mtok: $10 to $750\n", "ai-written-inflow.yaml", "old")
    assert "unknown key 'license_per_mtok'" in str(err.value)


def test_a_priced_gap_and_a_zero_chosen_share_never_move_the_exhaustion_quarter():
    """The baseline is scanned for its gap's prices (and states a 0% chosen share); every sample's
    exhaustion quarter is still the closed form's, which exhaustion_is_log_linear promises."""
    from forecast.engine.paths import exhaustion_is_log_linear

    scenario = load_scenario(SCENARIOS / "baseline.yaml").scenario
    assert scenario.gap is not None and exhaustion_is_log_linear(scenario)
    paths = log_paths(scenario, _values(scenario, 3000), scenario.seed, 3000, None, {})
    assert paths.extra is not None  # scanned
    scanned = exhaustion(paths)
    paths.extra = None
    assert np.array_equal(scanned, exhaustion(paths))
    for name in ("ai-written-inflow", "compute-limits", "synthetic-by-choice"):
        assert not exhaustion_is_log_linear(load_scenario(SCENARIOS / f"{name}.yaml").scenario), name
