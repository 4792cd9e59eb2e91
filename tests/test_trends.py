"""Trend series from data/, the trends command, and scenarios that feed growth from a chosen fit."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import forecast.engine as engine
from forecast.cli.app import app
from forecast.io.scenario import load_scenario
from forecast.io.trend_series import Imputation, load_series, undisclosed_rows
from forecast.units import Quarter

ROOT = Path(__file__).resolve().parents[1]


def test_undisclosed_runs_are_imputed_from_compute_and_flagged():
    obs = load_series("dataset_tokens")
    missing = undisclosed_rows()
    assert obs.imputed.sum() == len(missing) == 12
    gpt4 = obs.value[list(obs.label).index("GPT-4")]
    # D = sqrt(k r C / 6) with k = sqrt(1 x 5): sqrt(2.236 x 20 x 2.1e25 / 6) = 1.251e13 tokens
    assert gpt4 == pytest.approx(math.sqrt(math.sqrt(5.0) * 20 * 2.1e25 / 6), rel=1e-9)
    assert gpt4 == pytest.approx(1.251e13, rel=1e-3)
    censored = load_series("dataset_tokens", imputation=Imputation("censored"))
    # censored: the smallest dataset the rule allows, k = 1: sqrt(20 x 2.1e25 / 6) = 8.37e12
    assert censored.value[list(censored.label).index("GPT-4")] == pytest.approx(math.sqrt(20 * 2.1e25 / 6))
    disclosed = load_series("dataset_tokens", imputation=Imputation("disclosed"))
    assert not disclosed.imputed.any() and len(disclosed.t) == len(obs.t) - 12
    assert "GPT-4" not in disclosed.label


def test_price_per_flop_of_a_rented_v100_in_2018():
    obs = load_series("price_performance")
    i = list(obs.label).index("V100 reserved_3yr")
    # sqrt(1.16 x 1.23) $/h / (1.25e14 FLOP/s x 3600 s) = 2.644e-18 $/FLOP, dated 2018-07-01 (2018Q3)
    assert obs.value[i] == pytest.approx(math.sqrt(1.16 * 1.23) / (1.25e14 * 3600), rel=1e-9)
    assert obs.quarter[i] == Quarter(2018, 3).ordinal and obs.direction == -1
    assert "H800 assumed" not in obs.label  # assumed prices are not quotes


def test_trends_command_prints_the_scorecard_and_writes_csvs(tmp_path):
    result = CliRunner().invoke(app, ["trends", "--series", "price_performance", "--method", "ols",
                                      "--method", "ets", "--as-of", "2024Q1", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Backtest scorecard" in result.output and "as of 2024Q1" in result.output
    # raw and calibrated coverage side by side, the proper score, and the target check
    assert "coverage raw" in result.output and "coverage calibrated" in result.output
    assert "score calibrated" in result.output and "Does the method best picks meet the target?" in result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(["trend_backtest.csv", "trend_bands.csv", "trend_fits.csv", "trend_scorecard.csv",
                            "trend_skipped.csv", "trend_undisclosed.csv"])
    import pandas as pd

    card = pd.read_csv(tmp_path / "trend_scorecard.csv", comment="#")
    assert set(card["method"]) == {"ols", "ets"}
    assert {"coverage", "coverage_raw", "calibrated", "score", "score_raw", "mae", "bias", "best"} <= set(card)
    # best is the lowest pooled calibrated score
    pooled = card[card["horizon"] == "all"].set_index("method")
    assert (card["best"] == pooled["score"].idxmin()).all()
    # as of 2024Q1, nothing from 2024Q1 on is scored
    rows = pd.read_csv(tmp_path / "trend_backtest.csv", comment="#")
    assert rows["target"].max() <= "2023Q4"


def test_trends_command_rejects_a_bad_quarter():
    result = CliRunner().invoke(app, ["trends", "--as-of", "Q2 2024"])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_backtested_scenario_runs_and_says_which_fit_it_used():
    item = load_scenario(ROOT / "scenarios" / "backtested-trend.yaml")
    result = engine.run(item.scenario, samples=400, provenance=item.provenance)
    about = result.notes["demand_trend_fit"]
    assert about["requested"] == "best" and about["as_of"] == "2024Q2"
    assert about["method"] in ("ols", "quantreg", "ets", "prophet")
    # GPT-4, Gemini 1.0 Ultra, Claude 3 Opus ... dated before 2024Q2 are imputed, not dropped
    assert about["imputed_rows"] >= 5
    card = about["scorecard"]
    assert (card["best"] == about["method"]).all()
    # same seed, same draws
    again = engine.run(item.scenario, samples=400, provenance=item.provenance)
    assert np.array_equal(again.stats["demand"], result.stats["demand"])


def test_price_performance_can_come_from_the_fitted_trend(tmp_path):
    text = (ROOT / "scenarios" / "gpt-class.yaml").read_text(encoding="utf-8")
    (tmp_path / "gpt-class.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "fitted.yaml").write_text(
        "extends: gpt-class.yaml\nname: fitted\ncost:\n  compute:\n    price_performance: fit\n"
        "    price_performance_fit: {method: ols, as_of: 2024Q1}\n", encoding="utf-8")
    item = load_scenario(tmp_path / "fitted.yaml")
    result = engine.run(item.scenario, samples=300, provenance=item.provenance)
    about = result.notes["price_performance_fit"]
    assert about["method"] == "ols" and about["as_of"] == "2024Q1"
    # USD per FLOP falls, so FLOP per dollar grows: a factor above 1 per year
    assert about["growth"] < 0
    from forecast.io.references import data_files

    assert "gpu_prices.csv" in data_files(item.scenario)  # the archive watches the file the fit read


def test_fits_are_cached_on_disk_by_a_hash_of_rows_and_settings(tmp_path, monkeypatch):
    from forecast.engine.trends import chosen_fit
    from forecast.fit.methods import cache_info, clear_cache
    from forecast.schema.trends import TrendSettings

    monkeypatch.setenv("PEAKDATA_CACHE", str(tmp_path))
    spec = TrendSettings(method="ols", as_of="2023Q1")
    clear_cache()
    first, _ = chosen_fit("price_performance", spec, None, seed=1)
    assert cache_info()["misses"] == 1 and len(list(tmp_path.rglob("*.pickle"))) == 1
    clear_cache()  # a new process: nothing in memory, the file on disk
    again, _ = chosen_fit("price_performance", spec, None, seed=1)
    assert cache_info() == {"hits": 0, "misses": 0, "disk": 1, "size": 1}
    assert np.array_equal(first.forecast, again.forecast)
    # other settings are another key
    chosen_fit("price_performance", spec.model_copy(update={"as_of": Quarter(2023, 2)}), None, seed=1)
    assert cache_info()["misses"] == 1 and len(list(tmp_path.rglob("*.pickle"))) == 2


def test_trend_report_gives_the_report_chart_numbers():
    from forecast.engine.trends import trend_report
    from forecast.schema.trends import TrendSettings

    report = trend_report(["price_performance"], TrendSettings(method="best", as_of="2024Q1"), ["ols"])
    (chart,) = report.charts
    assert chart["series"] == "price_performance" and chart["as_of"] == "2024Q1" and chart["best"] == "ols"
    # the observed frontier ends with the quarter before as_of; the band starts at as_of, 8 quarters
    assert chart["observed"][-1]["quarter"] == "2023Q4"
    band = chart["fits"]["ols"]
    assert band["quarter"][0] == "2024Q1" and len(band["quarter"]) == len(band["forecast"]) == 8
    assert all(lo <= f <= hi for lo, f, hi in zip(band["lower"], band["forecast"], band["upper"]))
    # lower/upper are the band recalibrated from ols's past errors, symmetric about the forecast
    # in log10; the method's own band is kept beside it
    assert all(np.isclose(math.log10(f) - math.log10(lo), math.log10(hi) - math.log10(f))
               for lo, f, hi in zip(band["lower"], band["forecast"], band["upper"]))
    assert len(band["raw_lower"]) == 8 and band["raw_lower"] != band["lower"]
    fits = report.fits.iloc[0]
    assert fits["calibration_h4"] in ("horizon", "pooled") and fits["raw_lower_h4"] == band["raw_lower"][3]
    # plain numbers and strings, for any charting library
    assert all(isinstance(v, float) for k in ("forecast", "lower", "upper") for v in band[k])
    assert all(isinstance(r["value"], float) and isinstance(r["quarter"], str) for r in chart["observed"])


def test_observed_quarters_set_by_imputed_rows_are_marked():
    from forecast.engine.trends import trend_report
    from forecast.schema.trends import TrendSettings

    report = trend_report(["dataset_tokens"], TrendSettings(method="best", as_of="2024Q2"), ["ols"])
    observed = {r["quarter"]: r for r in report.charts[0]["observed"]}
    # 2022Q4: Chinchilla's disclosed 1.4T is the record; 2023Q1: GPT-4 (2.1e25 FLOP, dataset
    # undisclosed) imputed at sqrt(sqrt(5) x 20 x 2.1e25 / 6) = 12.5T, above every disclosed dataset
    assert observed["2022Q4"]["value"] == pytest.approx(1.4e12) and not observed["2022Q4"]["imputed"]
    assert observed["2023Q1"]["value"] == pytest.approx(1.251e13, rel=1e-3) and observed["2023Q1"]["imputed"]
    bands = report.bands[report.bands["kind"] == "observed"]
    assert bands["imputed"].tolist() == [r["imputed"] for r in report.charts[0]["observed"]]


def test_each_undisclosed_choice_changes_what_the_fit_sees():
    from forecast.engine.trends import chosen_fit
    from forecast.schema.trends import TrendSettings

    growth = {}
    for how in ("impute", "censored", "disclosed"):
        fit, about = chosen_fit("dataset_tokens", TrendSettings(method="ols", as_of="2024Q2", undisclosed=how),
                                None, seed=0)
        growth[how] = fit.growth
        # GPT-1, GPT-2, GPT-4, Grok-1, Gemini 1.0 Ultra, Claude 3 Opus are dated before 2024Q2
        assert about["imputed_rows"] == (0 if how == "disclosed" else 6)
    # lower bounds sit between leaving the runs out and imputing them at k = sqrt(5)
    assert growth["disclosed"] < growth["censored"] < growth["impute"]


def _fit_at(spec, overtraining=None):
    """The OLS fit of dataset_tokens as of spec.as_of, the imputed rows at ``overtraining`` (k, k)."""
    from forecast.engine.trends import series_observations
    from forecast.fit.frontier import FrontierRule, fit_input
    from forecast.fit.methods import fit_method

    obs = series_observations("dataset_tokens", spec, None, overtraining)
    rule = FrontierRule(spec.frontier.rule, spec.frontier.k, spec.frontier.window)
    return fit_method("ols", fit_input(obs, spec.as_of, rule), max(spec.backtest.horizons),
                      spec.backtest.coverage, 0)


def test_imputation_widens_growth_sd_by_the_overtraining_ends_read_as_a_90_percent_interval():
    from forecast.engine.trends import chosen_fit
    from forecast.schema.trends import TrendSettings

    spec = TrendSettings(method="ols", as_of="2024Q2", undisclosed="impute")
    fit, about = chosen_fit("dataset_tokens", spec, None, seed=0)
    central = _fit_at(spec)                          # imputed at √(1·5)
    low, high = _fit_at(spec, (1.0, 1.0)).growth, _fit_at(spec, (5.0, 5.0)).growth
    # by hand: the two ends span a 90% interval, ±1.6449 sd, so sd_imputation = |Δ| / (2 × 1.6449),
    # added in quadrature to the slope's standard error
    extra = abs(high - low) / (2 * 1.6448536269514722)
    assert about["growth_sd_imputation"] == pytest.approx(extra, rel=1e-12)
    assert fit.growth_sd == about["growth_sd"] == pytest.approx(math.hypot(central.growth_sd, extra), rel=1e-12)
    assert fit.growth == central.growth                  # the centre is the central imputation's
    assert extra > 0                                 # the ends differ (0.0057 against 0.092 OOM/yr here)
    # without imputation there is nothing to widen
    disclosed, notes = chosen_fit("dataset_tokens", spec.model_copy(update={"undisclosed": "disclosed"}), None, 0)
    assert "growth_sd_imputation" not in notes


def test_price_performance_ppf_increases_with_probability_and_gives_the_draws():
    from scipy.stats import norm

    from forecast.engine.trends import price_performance_draws, price_performance_ppf
    from forecast.models import sampling
    from forecast.schema.trends import TrendSettings

    spec = TrendSettings(method="ols", as_of="2024Q1")
    ppf, about = price_performance_ppf(spec, 3, None)
    u = np.linspace(0.01, 0.99, 99)
    growth = ppf(u)
    assert np.all(np.diff(growth) > 0)               # an inverse CDF increases with its probability
    # FLOP per dollar grows 10^(−s) a year, s ~ N(slope, sd) of log10 USD per FLOP: the median is
    # 10^(−slope) and the 90th percentile 10^(−(slope − 1.2816·sd)) (a smaller slope, a faster fall)
    slope, sd = about["growth"], about["growth_sd"]
    assert slope < 0
    assert ppf(np.array([0.5]))[0] == pytest.approx(10 ** -slope, rel=1e-12)
    assert ppf(np.array([0.9]))[0] == pytest.approx(10 ** -(slope + norm.ppf(0.1) * sd), rel=1e-12)
    # a run's draws are this inverse CDF at the input's own uniforms (they were its mirror image,
    # ppf(1 − u): the same distribution, but a sample's value disagreed with evaluate's axis and with
    # a stated price_performance drawn on the same stream)
    draws, _ = price_performance_draws(spec, 3, 500, None)
    assert np.array_equal(draws, ppf(sampling.uniforms(3, "cost.compute.price_performance", 500)))


def _card():
    """A scorecard by hand: one series, two methods, horizons 4 and 8 and pooled (``all``)."""
    import pandas as pd

    rows = []
    for method, per_h, pooled in (
            ("ets", [(4, 0.85, 0.30, -0.20), (8, 0.75, 0.40, -0.45)], (0.80, 0.26, -0.325)),
            ("ols", [(4, 0.60, 0.90, 1.50), (8, 0.50, 0.95, 1.70)], (0.55, 0.925, 1.60))):
        for h, cov, raw, bias in per_h:
            rows.append({"series": "training_compute", "method": method, "horizon": h, "n": 19, "mae": abs(bias),
                         "bias": bias, "coverage": cov, "coverage_raw": raw, "calibrated": 0.9,
                         "score": 0.5 if method == "ets" else 1.2, "score_raw": 0.6, "nominal": 0.8, "best": "ets"})
        cov, raw, bias = pooled
        rows.append({"series": "training_compute", "method": method, "horizon": "all", "n": 38, "mae": abs(bias),
                     "bias": bias, "coverage": cov, "coverage_raw": raw, "calibrated": 0.9,
                     "score": 0.5 if method == "ets" else 1.2, "score_raw": 0.6, "nominal": 0.8, "best": "ets"})
    return pd.DataFrame(rows)


def test_report_scorecard_shows_raw_and_calibrated_coverage_bias_and_score():
    from types import SimpleNamespace

    from forecast.report.trends import report_scorecard

    shown, raw = report_scorecard(SimpleNamespace(scorecard=_card()))
    assert list(shown.columns) == ["series", "method", "forecasts", "bias [OOM]", "MAE [OOM]",
                                   "80% coverage, raw", "80% coverage, calibrated", "score [OOM]", "best"]
    ets = shown.iloc[0]  # OLS sorts first by METHOD_NAMES' order
    assert shown["method"].tolist() == ["OLS", "ETS"] and len(raw) == 2
    assert (ets["80% coverage, raw"], ets["80% coverage, calibrated"], ets["score [OOM]"]) == ("92%", "55%", "1.200")
    assert shown.iloc[1][["bias [OOM]", "80% coverage, raw", "80% coverage, calibrated", "best"]].tolist() == [
        "-0.33", "26%", "80%", "✓"]


def test_target_lines_say_where_best_fails_and_by_horizon():
    from types import SimpleNamespace

    from forecast.report.trends import target_lines, target_view

    report = SimpleNamespace(scorecard=_card())
    # ets pooled: coverage 80% is inside 70-90%; bias -0.325 is beyond ±0.3 → fails on bias only
    assert target_lines(report) == [
        "compute of the largest training run, ETS: **fails on bias**: its median is 0.33 OOM too low on average "
        "(target ±0.3): -0.20 at 4 quarters ahead, -0.45 at 8; coverage 80% (its own band: 26%) is inside "
        "70–90%, over 38 forecasts."]
    view = target_view(report)
    assert view[["best", "in 70%–90%", "within ±0.3"]].values.tolist() == [["ets", "yes", "NO"]]
    ok = _card().assign(bias=lambda c: c["bias"] / 2)
    assert "**meets the target**: coverage 80% (its own band: 26%) is inside 70–90%; bias -0.16 OOM is within ±0.3" \
        in target_lines(SimpleNamespace(scorecard=ok))[0]


def test_as_of_text_names_the_series_fitted_at_another_quarter():
    from forecast.report.trends import as_of_text

    charts = [{"series": "dataset_tokens", "as_of": "2026Q3"}, {"series": "training_compute", "as_of": "2026Q3"},
              {"series": "price_performance", "as_of": "2025Q4"}]
    assert as_of_text(charts) == "2026Q3 (the price of rented compute per FLOP: 2025Q4, its data end in 2025Q3)"
    assert as_of_text(charts[:2]) == "2026Q3"
    assert as_of_text([]) == ""


def test_trend_chart_draws_imputed_quarters_hollow_with_the_legend_off_the_data():
    import pandas as pd

    from forecast.report.charts.base import style
    from forecast.report.charts.trends import PLOT_RIGHT, trend_chart

    frame = pd.DataFrame({"method": ["ets"] * 4, "quarter": ["2024Q1", "2024Q2", "2024Q3", "2024Q4"],
                          "kind": ["observed", "observed", "forecast", "forecast"],
                          "value": [1e13, 2e13, 3e13, 4e13], "lower": [float("nan")] * 2 + [2e13, 3e13],
                          "upper": [float("nan")] * 2 + [4e13, 6e13], "imputed": [False, True, False, False]})
    with style():
        fig = trend_chart(frame, "tokens", "ets", "Title", "Subtitle", as_of="2024Q3")
    ax = fig.axes[0]
    dots = {line.get_label(): line for line in ax.get_lines() if line.get_linestyle() == "None"}
    assert list(dots["record so far, per quarter"].get_ydata()) == [1e13]
    hollow = dots["imputed from compute\n(undisclosed dataset)"]
    assert list(hollow.get_ydata()) == [2e13] and hollow.get_markerfacecolor() == "white"
    legend = ax.get_legend()
    fig.canvas.draw()
    # the legend starts right of the plot area, which ends at PLOT_RIGHT of the figure's width
    assert legend.get_window_extent().x0 > PLOT_RIGHT * fig.bbox.width
    assert "damped-trend ETS\n(best in backtest)" in [t.get_text() for t in legend.get_texts()]
    # the as-of line at the start of 2024Q3 (= end of 2024Q2, 2024.5)
    assert any(list(line.get_xdata()) == [2024.5, 2024.5] for line in ax.get_lines())
