"""The level of the largest training dataset from the trend fit, drawn with its growth (issue 24,
items 4 and 7; docs/derivations.md §10).

* the level and growth drawn from a fit reproduce the fit's median at its as-of quarter (by hand);
* a record never shrinks: no drawn growth below 1x/yr, no level below the largest dataset disclosed
  before the as-of quarter (a derandomized property test on made-up fits, then the shipped data);
* a level the scenario states next to a fitted growth is used as stated and flagged as an override.
"""
from __future__ import annotations

from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from forecast import engine
from forecast.engine import demand_trend as T
from forecast.engine.evaluate import FITTED_LEVEL, axes, evaluate
from forecast.errors import ScenarioError
from forecast.fit.methods import SeriesFit
from forecast.io.scenario import load_scenario
from forecast.models import sampling
from forecast.units import Quarter

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
Z90 = 1.2815515655446004  # Φ⁻¹(0.9)


def variant(tmp_path: Path, body: str, name: str = "v"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"extends: {BASELINE}\nname: {name}\n{body}", encoding="utf-8")
    return load_scenario(path)


def made_fit(f1: float, low1: float, high1: float, growth: float, growth_sd: float, width_last: float,
             as_of: str = "2024Q2", steps: int = 8) -> SeriesFit:
    """A fit of dataset_tokens by hand: forecast f1 + growth·(years after the as-of quarter's end),
    band low1 … high1 at h = 1 and ±width_last/2 around the line at h = steps (log10 tokens)."""
    h = np.arange(steps)
    line = f1 + growth * h / 4.0
    half = np.linspace(0.0, 1.0, steps)
    lower = line - ((f1 - low1) * (1 - half) + width_last / 2 * half)
    upper = line + ((high1 - f1) * (1 - half) + width_last / 2 * half)
    q = Quarter.parse(as_of)
    empty = np.zeros(0)
    return SeriesFit("dataset_tokens", "ets", q, {}, empty, empty, empty, empty,
                     np.arange(q.ordinal, q.ordinal + steps), line, lower, upper, 0.8, growth, growth_sd)


def about_of(fit: SeriesFit) -> dict:
    return {"series": "dataset_tokens", "method": fit.method, "requested": fit.method, "as_of": str(fit.as_of),
            "undisclosed": "impute", "imputed_rows": 0, "growth": fit.growth, "growth_sd": fit.growth_sd,
            "scorecard": None}


def patched(fit: SeriesFit, floor: float):
    """The named fit replaced by ``fit``, the largest disclosed dataset before it by ``floor``."""
    return (mock.patch("forecast.engine.trends.chosen_fit", lambda *a, **k: (fit, about_of(fit))),
            mock.patch.object(T, "_largest_disclosed", lambda *a, **k: (floor, "model X" if floor else "")))


ETS_AS_OF_2024Q2 = """\
demand:
  method: historical
  historical:
    fit:
      method: ets
      as_of: 2024Q2
"""


@pytest.fixture(scope="module")
def ets_scenario(tmp_path_factory):
    return variant(tmp_path_factory.mktemp("ets"), ETS_AS_OF_2024Q2, "ets").scenario


# --- the fit's median at its as-of quarter, by hand -----------------------------------------------

def test_level_and_growth_reproduce_the_fit_at_its_as_of_quarter(ets_scenario):
    # The fit: 10T at the end of 2024Q2 (log10 13.0), 80% band 5T–40T, growth 0.3 ± 0.05 OOM/yr.
    # Nothing disclosed before it, so nothing is cut from the level; the growth's share below 0 is
    # Φ(−6) ≈ 1e-9. Medians: 10T and 10^0.3 = 1.995x/yr; the level refers to the start of 2024Q3.
    fit = made_fit(13.0, np.log10(5e12), np.log10(40e12), 0.3, 0.05, 1.2)
    a, b = patched(fit, 0.0)
    with a, b:
        found = T.historical_trend(ets_scenario, 1, None)
        assert found.level_ppf(np.array([0.5]))[0] == pytest.approx(10e12, rel=1e-12)
        assert found.level_ppf(np.array([0.1, 0.9])) == pytest.approx([5e12, 40e12], rel=1e-9)
        assert found.growth_ppf(np.array([0.5]))[0] == pytest.approx(10 ** 0.3, rel=1e-8)
        assert found.reference_year == Quarter(2024, 3).ordinal / 4.0 == 2024.5
        p = engine.point(ets_scenario)
        result = engine.run(ets_scenario, samples=20_000, keep_samples=True)
    assert p.values[FITTED_LEVEL] == pytest.approx(10e12, rel=1e-12)
    assert p.settings.set_index("name").loc["demand.historical.reference_year", "value"] == 2024.5
    # The first quarter of the horizon is 2024Q1, a quarter before the level's: 10T / 1.995^0.25
    assert p.series["demand.historical"][0] == pytest.approx(10e12 * 10 ** (-0.3 * 0.25), rel=1e-8)
    assert np.median(result.draws[FITTED_LEVEL]) == pytest.approx(10e12, rel=0.02)
    assert result.notes["demand_level"]["from"] == "fit"


def test_a_disclosed_record_above_the_fit_lifts_the_level_by_hand(ets_scenario):
    # Same fit, but 12T was disclosed before 2024Q2 (DBRX). Above the median, the level's sd is
    # (log10 40T − 13)/1.2816 = 0.60206/1.2816 = 0.46978; P(level < 12T) = Φ((13.07918 − 13)/0.46978)
    # = Φ(0.16855) = 0.56692; the conditioned median sits at u = 0.56692 + 0.5·0.43308 = 0.78346,
    # Φ⁻¹ = 0.78415, so log10 level = 13 + 0.46978·0.78415 = 13.36838: 23.37T.
    fit = made_fit(13.0, np.log10(5e12), np.log10(40e12), 0.3, 0.05, 1.2)
    a, b = patched(fit, 12e12)
    with a, b:
        found = T.historical_trend(ets_scenario, 1, None)
    sd_high = np.log10(4.0) / Z90
    below = norm.cdf(np.log10(1.2) / sd_high)
    assert below == pytest.approx(0.56692, abs=1e-5)
    expected = 10 ** (13 + sd_high * norm.ppf(below + 0.5 * (1 - below)))
    assert found.level_ppf(np.array([0.5]))[0] == pytest.approx(expected, rel=1e-12)
    assert found.level_ppf(np.array([0.5]))[0] == pytest.approx(23.37e12, rel=1e-3)
    assert found.level["floor"] == 12e12 and "never below 12T (model X)" in found.level["text"]


# --- a record never shrinks -----------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
# two cases hypothesis found: a bound ~8 sd into the growth's upper tail (infinite draws), and a
# level floor that 10 ** log10(floor) put an ulp below the floor itself
@example(f1=12.0, below=1.0, above=1.0, growth=-0.5, growth_sd=0.0625, width_last=1.0, floor_offset=0.0,
         disclosed=False)
@example(f1=12.843393546706285, below=1.0, above=0.0625, growth=0.0, growth_sd=0.5, width_last=1.0,
         floor_offset=0.7081961468741648, disclosed=True)
@given(f1=st.floats(12.0, 14.0), below=st.floats(0.01, 1.0), above=st.floats(0.01, 1.5),
       growth=st.floats(-0.6, 0.8), growth_sd=st.floats(0.005, 0.6), width_last=st.floats(0.05, 3.0),
       floor_offset=st.floats(-1.5, 2.0), disclosed=st.booleans())
def test_a_record_series_never_produces_a_shrinking_draw(ets_scenario, f1, below, above, growth, growth_sd,
                                                        width_last, floor_offset, disclosed):
    """Whatever the fit says (a falling trend, a band below the last record, a record above the whole
    band), no draw has growth below 1x/yr or a level below the largest disclosed dataset, so every
    sample's historical path is non-decreasing from quarter to quarter."""
    fit = made_fit(f1, f1 - below, f1 + above, growth, growth_sd, width_last)
    floor = 10 ** (f1 + floor_offset) if disclosed else 0.0
    a, b = patched(fit, floor)
    with a, b:
        found = T.historical_trend(ets_scenario, 1, None)
        level, g = T.draw_level_growth(found, {}, 11, 2_000)
    assert np.all(np.isfinite(level)) and np.all(np.isfinite(g))
    assert np.all(g >= 1.0)
    assert np.all(level >= floor)
    taus = np.arange(68) / 4.0
    path = np.log(level)[:, None] + np.log(g)[:, None] * taus[None, :]
    assert np.all(np.diff(path, axis=1) >= 0.0)


def test_the_shipped_ets_fit_never_shrinks(ets_scenario):
    """ETS as of 2024Q2 on data/notable_models.csv gives +0.03 ± 0.19 OOM/yr, 44% of it below zero,
    and a level of 11.4T below the 12T DBRX disclosed in 2024Q1: every draw is cut to the record."""
    result = engine.run(ets_scenario, samples=5_000, keep_samples=True)
    level, about = result.notes["demand_level"], result.notes["demand_trend_fit"]
    assert about["growth"] < 0.1 and about["growth_below_zero"] > 0.3          # the fit allows shrinking ...
    assert np.all(result.draws["demand.historical.growth"] >= 1.0)             # ... no draw does
    assert level["floor"] == pytest.approx(12e12) and level["median"] < level["floor"]
    assert np.all(result.draws[FITTED_LEVEL] >= 12e12)
    demand = result.metric("demand")[["p5", "p10", "p50", "p90", "p95"]].to_numpy()  # by quarter
    assert np.all(np.diff(demand, axis=0) >= 0.0)  # a record's quantiles never fall


def test_run_at_uniforms_of_one_half_is_the_point_estimate(ets_scenario, monkeypatch):
    p = engine.point(ets_scenario)
    monkeypatch.setattr(sampling, "uniforms", lambda seed, name, n: np.full(n, 0.5))
    one = engine.run(ets_scenario, samples=1, keep_samples=True)
    assert one.draws[FITTED_LEVEL][0] == pytest.approx(p.values[FITTED_LEVEL], rel=1e-12)
    np.testing.assert_allclose(one.metric("demand")["p50"].to_numpy(), p.series["demand"], rtol=1e-12)


# --- a stated level overrides the fit's, and says so ---------------------------------------------

OVERRIDE = """\
demand:
  historical:
    current_largest: 3T to 13T
    reference: 2024Q1
"""


def test_a_stated_level_is_honoured_and_flagged(tmp_path):
    from forecast.engine.runs import ScenarioRun, resolved_yaml
    from forecast.report.sections import assumptions_frame
    from forecast.report.trends import fits_used_frame

    loaded = variant(tmp_path, OVERRIDE, "stated")
    result = engine.run(loaded.scenario, samples=20_000, provenance=loaded.provenance, keep_samples=True)
    drawn = result.draws[FITTED_LEVEL]  # the input itself: a lognormal with 90% interval 3T–13T
    assert np.quantile(drawn, [0.05, 0.5, 0.95]) == pytest.approx([3e12, np.sqrt(39) * 1e12, 13e12], rel=0.02)
    assert engine.point(loaded.scenario).values[FITTED_LEVEL] == pytest.approx(np.sqrt(3e12 * 13e12))
    level = result.notes["demand_level"]
    assert level["from"] == "scenario" and level["method"] == "quantreg"
    assert level["text"].startswith("overrides the fit's level (quantreg as of 2024Q1: 6.18T")
    rows = result.inputs.set_index("input")
    assert rows.loc[FITTED_LEVEL, "dist"] == "lognormal" and rows.loc["demand.historical.growth", "dist"] == "fit"
    run = ScenarioRun(loaded, result, resolved_yaml(loaded))
    shown = assumptions_frame([run]).set_index("input").loc[FITTED_LEVEL, "value or interval"]
    assert shown.startswith("3T to 13T (90%); overrides the fit's level (quantreg as of 2024Q1")
    used = fits_used_frame([run]).iloc[0]
    assert (used["input"], used["level"]) == ("demand.historical.growth", "scenario")


def test_the_level_from_the_fit_is_listed_and_not_flagged():
    loaded = load_scenario(BASELINE)
    result = engine.run(loaded.scenario, samples=2_000, provenance=loaded.provenance)
    row = result.inputs.set_index("input").loc[FITTED_LEVEL]
    assert row["dist"] == "fit" and row["distribution"].startswith("fit: quantreg as of 2024Q1: 6.18T")
    assert "overrides" not in row["distribution"]
    assert row["set_at"].endswith("scenarios/baseline.yaml:" + str(
        BASELINE.read_text(encoding="utf-8").splitlines().index("    current_largest: fit") + 1))


def test_sensitivity_axes_vary_the_fitted_level():
    scenario = load_scenario(BASELINE).scenario
    found = axes(scenario)
    assert found[FITTED_LEVEL].kind == "tokens"
    assert found[FITTED_LEVEL].at(0.5) == pytest.approx(engine.point(scenario).values[FITTED_LEVEL], rel=1e-12)
    low = evaluate(scenario, {FITTED_LEVEL: 1e12}, samples=500)
    high = evaluate(scenario, {FITTED_LEVEL: 1e14}, samples=500)
    assert np.all(high.exhaustion <= low.exhaustion) and np.any(high.exhaustion < low.exhaustion)


# --- what a scenario may write ----------------------------------------------------------------------

@pytest.mark.parametrize("body, message", [
    ("demand:\n  historical:\n    current_largest: 5T to 15T\n",
     "current_largest needs a reference: the quarter whose start it describes"),
    ("demand:\n  historical:\n    reference: 2024Q1\n",
     "current_largest: fit is the fit's level at its as-of quarter, so reference is not given"),
    ("demand:\n  historical:\n    fit:\n      method: null\n      as_of: null\n      start_year: 2018\n"
     "      end_year: 2024\n      bootstrap: 1000\n",
     "current_largest: fit needs a frontier fit, fit.method"),
    ("correlations:\n  - inputs: [demand.historical.current_largest, supply.repetition.multiplier]\n"
     "    rank: 0.5\n", "drawn with the fitted growth and cannot be correlated"),
])
def test_refusals_name_the_field(tmp_path, body, message):
    with pytest.raises(ScenarioError) as info:
        variant(tmp_path, body)
    (problem,) = info.value.problems
    field = "correlations.0.inputs" if body.startswith("correlations") else "demand.historical"
    assert problem.field == field and message in problem.message


# --- one growth per series (docs/trends.md) -------------------------------------------------------

def test_a_scenario_that_pins_nothing_draws_the_charts_fit(tmp_path):
    """The trend chart shows `best` as of the latest data; a scenario asking for `method: best` with
    nothing pinned draws that very fit (same method, as-of quarter and growth), whatever its seed;
    the shipped baseline pins a method and an as-of quarter, and says which."""
    from forecast.engine.trends import trend_report

    body = "seed: 99\ndemand:\n  historical:\n    fit:\n      method: best\n      as_of: null\n"
    scenario = variant(tmp_path, body, "chart").scenario
    found = T.historical_trend(scenario, scenario.seed, None)
    chart = trend_report(["dataset_tokens"]).fits.query("best").iloc[0]
    assert (found.about["method"], found.about["as_of"]) == (chart["method"], chart["as_of"])
    assert found.about["growth"] == chart["growth"]
    assert found.about["pinned"] == []
    baseline = load_scenario(BASELINE).scenario
    assert T.historical_trend(baseline, baseline.seed, None).about["pinned"] == ["method quantreg", "as of 2024Q1"]
