"""Calibrated trend intervals (forecast.fit.calibrate) and ``best`` by a proper score."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from forecast.fit.backtest import Backtest, BacktestSettings, backtest, scored, scorecard
from forecast.fit.calibrate import (calibrated_fit, conformal_halfwidths, conformal_quantile, past_errors,
                                    quantile_score)
from forecast.fit.frontier import FrontierRule, Observations
from forecast.units import Quarter


def _trend(seed: int, quarters: int = 88, growth: float = 0.4, noise: float = 0.2) -> Observations:
    """One release a quarter from 2000Q1: log10 size = 10 + growth·years + N(0, noise) [OOM]."""
    rng = np.random.default_rng(seed)
    q = np.arange(Quarter(2000, 1).ordinal, Quarter(2000, 1).ordinal + quarters)
    z = 10.0 + growth * (q - q[0]) / 4.0 + rng.normal(0.0, noise, q.size)
    return Observations("sim", "tokens", 1, (q + 0.5) / 4.0, q, q, 10.0 ** z, np.zeros(q.size, bool))


def test_calibrated_80_percent_bands_cover_within_5_points_on_simulated_trends():
    # Known growth (0.4 OOM/yr) and noise (0.2 OOM); the frontier is each quarter's release (top_k,
    # k = 1, window 1). Four series of 88 quarters (2000Q1-2021Q4), origins from 2010Q1, 4 and 8
    # quarters ahead: targets up to 2021Q4, so 45 origins (to 2021Q1) and 41 (to 2020Q1).
    rule = FrontierRule("top_k", k=1, window=1)
    settings = BacktestSettings(Quarter(2010, 1), None, (4, 8), 0.8)
    rows = pd.concat([backtest(_trend(seed), rule, settings, ("ols", "quantreg")).rows for seed in range(4)])
    assert (rows["calibration"] == "horizon").all()     # 16 origins of errors: 8+ at every horizon
    for method, mine in rows.groupby("method"):
        assert len(mine) == 4 * (45 + 41)
        assert mine["covered"].mean() == pytest.approx(0.8, abs=0.05), method
    # quantreg's own band over-covers (89% here: the slope's error is added to the residual
    # percentiles, not in quadrature); its calibrated band covers 81%
    raw = rows[rows["method"] == "quantreg"]["raw_covered"].mean()
    assert raw > 0.85


def test_conformal_quantile_is_the_n_plus_1_rank_interpolated():
    # ranks (n + 1) × 0.8: 4 of 4 is the largest; 4.8 of 5 is between the 4th and 5th smallest
    assert conformal_quantile(np.array([0.4, 0.1, 0.3, 0.2]), 0.8) == pytest.approx(0.4)
    assert conformal_quantile(np.array([0.5, 0.1, 0.4, 0.3, 0.2]), 0.8) == pytest.approx(0.4 + 0.8 * 0.1)
    assert np.isnan(conformal_quantile(np.array([0.1, 0.2, 0.3]), 0.8))   # 3.2 > 3: too few
    assert np.isnan(conformal_quantile(np.array([]), 0.8))


def test_halfwidths_fall_back_from_own_horizon_to_pooled_to_raw():
    # 4 errors at h = 2 (|e| 0.1 0.2 0.3 0.4), 1 at h = 8 (|e| 1.0)
    horizons = np.array([2, 2, 2, 2, 8])
    errors = np.array([0.1, -0.2, 0.3, -0.4, 1.0])
    width, source, n = conformal_halfwidths(horizons, errors, 8, 0.8)
    # h = 2: its own four, rank 5 × 0.8 = 4: the largest, 0.4
    assert source[1] == "horizon" and n[1] == 4 and width[1] == pytest.approx(0.4)
    # h = 8: one error of its own; pooled, scaled by √(8/h'): 0.2, 0.4, 0.6, 0.8, 1.0; rank 4.8
    assert source[7] == "pooled" and n[7] == 5 and width[7] == pytest.approx(0.8 + 0.8 * 0.2)
    # h = 1: pooled, scaled by √(1/h'): 0.0707 0.1414 0.2121 0.2828 0.3536; rank 4.8
    s = np.sqrt(0.5) * np.array([0.1, 0.2, 0.3, 0.4])
    assert width[0] == pytest.approx(s[3] + 0.8 * (np.sqrt(1 / 8) - s[3]))
    # three errors in all: too few for an 80% quantile even pooled, so the raw band stays
    width, source, n = conformal_halfwidths(np.array([1, 2, 3]), np.array([0.1, 0.2, 0.3]), 4, 0.8)
    assert source == ("raw",) * 4 and np.isnan(width).all() and n.tolist() == [3, 3, 3, 3]


def test_past_errors_use_only_forecasts_due_before_as_of_from_the_last_16_origins():
    fit = lambda *values: SimpleNamespace(forecast=np.array(values, dtype=float))
    truth = {q: 0.0 for q in range(100, 140)}
    # origin 110 forecasts 110..113, origin 118 forecasts 118..121, origin 103 is 17 quarters back
    fits = {103: fit(1, 1), 110: fit(1, 2, 3, 4), 118: fit(5, 6, 7, 8), 125: fit(9)}
    horizons, errors = past_errors(fits, truth, 120)
    # as of 120: origin 110's four targets (110-113) and origin 118's first two (118, 119); 103 is
    # outside the 16-quarter window (104-119), 125 is after as_of; errors are actual − forecast
    assert horizons.tolist() == [1, 2, 3, 4, 1, 2]
    assert errors.tolist() == [-1.0, -2.0, -3.0, -4.0, -5.0, -6.0]
    # a quarter without a known value is not scored
    del truth[111]
    assert past_errors(fits, truth, 120)[0].tolist() == [1, 3, 4, 1, 2]


def test_a_calibrated_fit_keeps_its_median_and_its_raw_band():
    obs = _trend(0, quarters=48)
    rule = FrontierRule("top_k", k=1, window=1)
    fit = calibrated_fit(obs, rule, Quarter(2011, 1), "ols", 8)
    raw = fit.raw
    assert fit.calibration is not None and raw.calibration is None
    assert np.array_equal(raw.upper, fit.calibration.raw_upper)
    # the band is symmetric about the method's own forecast, half-width from the past errors
    assert np.allclose(fit.upper - fit.forecast, fit.calibration.halfwidth)
    assert np.allclose(fit.forecast - fit.lower, fit.calibration.halfwidth)
    assert fit.growth == raw.growth and fit.growth_sd == raw.growth_sd


def test_quantile_score_is_the_weighted_interval_score_by_hand():
    # median 0, 80% band -1 .. 0.5, actual 1 (above the band by 0.5):
    # WIS = (|y − m| / 2 + α/2 · IS) / 1.5 with IS = 1.5 + (2 / 0.2) × 0.5 = 6.5 -> (0.5 + 0.65) / 1.5
    assert quantile_score(np.array([1.0]), np.array([0.0]), np.array([-1.0]), np.array([0.5]), 0.8)[0] == \
        pytest.approx(1.15 / 1.5)
    # actual inside the band: IS is the width 1.5 -> (0.25 + 0.15) / 1.5
    assert quantile_score(np.array([0.5]), np.array([0.0]), np.array([-1.0]), np.array([0.5]), 0.8)[0] == \
        pytest.approx(0.4 / 1.5)


def _rows(method: str, median: float, lower: float, upper: float, actual: float = 1.0) -> dict:
    return {"series": "x", "method": method, "origin": "2020Q1", "horizon": 4, "target": "2020Q4",
            "forecast": median, "lower": lower, "upper": upper, "actual": actual, "error": median - actual,
            "covered": lower <= actual <= upper, "raw_lower": lower, "raw_upper": upper,
            "raw_covered": lower <= actual <= upper, "calibration": "horizon", "n_errors": 4}


def test_best_is_the_lowest_proper_score_not_the_lowest_absolute_error():
    # actual 1. a: median 0.4 (error 0.6), band 0.2 .. 1.5 covers it;
    #           b: median 1.5 (error 0.5), band 1.45 .. 1.55 misses it by 0.45.
    # score = 2/3 × (pinball at 0.1 + at 0.5 + at 0.9):
    #   a: 0.1 × 0.8 + 0.5 × 0.6 + 0.1 × 0.5 = 0.43 -> 0.28667
    #   b: 0.9 × 0.45 + 0.5 × 0.5 + 0.1 × 0.55 = 0.71 -> 0.47333
    rows = scored(pd.DataFrame([_rows("a", 0.4, 0.2, 1.5), _rows("b", 1.5, 1.45, 1.55)]), 0.8)
    card = scorecard(Backtest(rows, pd.DataFrame())).set_index(["method", "horizon"])
    assert card.loc[("a", "all"), "score"] == pytest.approx(0.43 * 2 / 3)
    assert card.loc[("b", "all"), "score"] == pytest.approx(0.71 * 2 / 3)
    assert card.loc[("b", "all"), "mae"] < card.loc[("a", "all"), "mae"]     # MAE would pick b
    assert (card["best"] == "a").all()
    assert card.loc[("a", "all"), "coverage"] == 1.0 and card.loc[("b", "all"), "coverage"] == 0.0


def test_past_errors_are_measured_against_disclosed_rows_only():
    # a straight line, 10^(10 + 0.1 i) tokens in quarter i from 2016Q1, plus an undisclosed run
    # imputed at 1e15 tokens in 2019Q4. From 2020Q1 on, the fits see the jump and forecast above
    # the line; their errors against the disclosed line are not zero. As of 2021Q1, one ahead: 4 of
    # the 16 past errors (origins 2020Q1-Q4) are, more than the 20% an 80% band may leave out.
    q = np.arange(Quarter(2016, 1).ordinal, Quarter(2021, 1).ordinal)
    qq = np.append(q, Quarter(2019, 4).ordinal)
    obs = Observations("x", "tokens", 1, (qq + 0.5) / 4, qq, qq,
                       np.append(10.0 ** (10 + 0.1 * np.arange(q.size)), 1e15), np.append(np.zeros(q.size, bool), True))
    fit = calibrated_fit(obs, FrontierRule(), Quarter(2021, 1), "ols", 4)
    line = calibrated_fit(obs.take(~obs.imputed), FrontierRule(), Quarter(2021, 1), "ols", 4)
    assert np.allclose(line.upper - line.lower, 0.0, atol=1e-9)     # a line: no past error
    assert fit.calibration.halfwidth[0] > 0.5
    as_truth = calibrated_fit(obs, FrontierRule(), Quarter(2021, 1), "ols", 4, truth=obs)
    assert not np.allclose(as_truth.calibration.halfwidth, fit.calibration.halfwidth)
