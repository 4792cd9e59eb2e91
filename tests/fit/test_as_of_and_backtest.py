"""As-of fits never see later rows (hypothesis), and the backtest's windows are as documented."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecast.fit.backtest import BacktestSettings, backtest, origins, scorecard, scored
from forecast.fit.calibrate import calibrated_fit
from forecast.fit.frontier import FrontierRule, Observations, fit_input
from forecast.fit.methods import cache_info, clear_cache, fit_method
from forecast.units import Quarter

Q2018 = Quarter(2018, 1).ordinal


def _obs(quarters, values, known=None) -> Observations:
    q = np.asarray(quarters, dtype=np.int64)
    return Observations("x", "tokens", 1, (q + 0.5) / 4, q, q if known is None else np.asarray(known, np.int64),
                        np.asarray(values, dtype=float), np.zeros(q.size, bool))


rows = st.lists(st.tuples(st.integers(0, 31), st.floats(1e9, 1e14)), min_size=6, max_size=30)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=rows, later=rows, as_of=st.integers(8, 28), delay=st.integers(0, 6),
       rule=st.sampled_from(["record", "top_k"]))
def test_rows_dated_or_published_after_as_of_cannot_change_the_fit(base, later, as_of, delay, rule):
    origin = Quarter.from_ordinal(Q2018 + as_of)
    q, v = zip(*base)
    q = np.array(q) + Q2018
    obs = _obs(q, v, q + delay)  # published `delay` quarters after their date
    # extra rows: dated at or after as_of, or dated before but published at or after it
    lq, lv = zip(*later)
    lq = np.array(lq) + Q2018
    dated_late = np.maximum(lq, origin.ordinal)
    published_late = np.full(lq.size, origin.ordinal)
    more = _obs(np.concatenate([q, dated_late, lq]), np.concatenate([v, lv, lv]),
                np.concatenate([q + delay, dated_late, np.maximum(published_late, lq)]))
    r = FrontierRule(rule, k=2, window=4)
    a, b = fit_input(obs, origin, r), fit_input(more, origin, r)
    assert a.key() == b.key()
    try:
        fa = fit_method("ols", a, 4)
    except Exception:
        return
    fb = fit_method("ols", b, 4)
    assert np.array_equal(fa.forecast, fb.forecast) and np.array_equal(fa.upper, fb.upper)
    # the calibrated band too: its past errors are of forecasts made, and due, before as_of, scored
    # against the frontier as known then
    ca, cb = (calibrated_fit(o, r, origin, "ols", 4) for o in (obs, more))
    assert np.array_equal(ca.lower, cb.lower) and np.array_equal(ca.upper, cb.upper)
    assert ca.calibration.source == cb.calibration.source
    assert np.array_equal(ca.calibration.n, cb.calibration.n)


def test_as_of_uses_rows_dated_before_its_first_day():
    # A row dated in 2024Q2 is not seen as of 2024Q2, and is as of 2024Q3.
    obs = _obs([Quarter(2024, 1).ordinal, Quarter(2024, 2).ordinal], [1e12, 1e13])
    assert fit_input(obs, Quarter(2024, 2), FrontierRule()).frontier.tolist() == [12.0]
    assert fit_input(obs, Quarter(2024, 3), FrontierRule()).frontier.tolist() == [12.0, 13.0]


def test_top_k_frontier_is_the_geometric_mean_of_the_k_best_in_the_window():
    q0 = Quarter(2020, 1).ordinal
    obs = _obs([q0, q0, q0 + 1, q0 + 5], [1e10, 1e12, 1e14, 1e9])
    quarters, z = fit_input(obs, Quarter.from_ordinal(q0 + 6), FrontierRule("top_k", k=2, window=2)).quarters, \
        fit_input(obs, Quarter.from_ordinal(q0 + 6), FrontierRule("top_k", k=2, window=2)).frontier
    # q0: best two 12, 10 -> 11; q0+1: window q0..q0+1 -> 14, 12 -> 13; q0+2: window q0+1..q0+2 -> 14;
    # q0+3, q0+4: no release in the window -> carry 14; q0+5: only 9 -> 9
    assert z.tolist() == [11.0, 13.0, 14.0, 14.0, 14.0, 9.0]


def test_backtest_windows_are_exactly_as_documented():
    # 2016Q1..2020Q4, one release a quarter growing 0.1 OOM a quarter; latest = 2021Q1.
    q = np.arange(Quarter(2016, 1).ordinal, Quarter(2021, 1).ordinal)
    obs = _obs(q, 10.0 ** (10 + 0.1 * np.arange(q.size)))
    spec = BacktestSettings(Quarter(2019, 1), None, (4, 8), 0.8)
    assert [str(o) for o in origins(spec, obs.latest)][[0, -1][0]] == "2019Q1"
    assert str(origins(spec, obs.latest)[-1]) == "2021Q1"
    clear_cache()
    result = backtest(obs, FrontierRule(), spec, ("ols",))
    # one fit per origin, both horizons from the same fit: the 9 origins 2019Q1..2021Q1, and the
    # 11 before them whose errors calibrate: the 16 quarters before 2019Q1 from the quarter after
    # the first row (2016Q2..2018Q4)
    assert cache_info()["misses"] == 9 + 11
    rows = result.rows
    # h quarters ahead of origin o is quarter o + h - 1; scored only if before 2021Q1
    h4 = rows[rows["horizon"] == 4]
    assert h4["origin"].tolist() == [str(Quarter(2019, 1) + i) for i in range(5)]
    assert h4["target"].tolist() == [str(Quarter(2019, 4) + i) for i in range(5)]
    h8 = rows[rows["horizon"] == 8]
    assert h8["origin"].tolist() == ["2019Q1"] and h8["target"].tolist() == ["2020Q4"]
    # a straight line is forecast exactly: zero error, covered by the raw band; the past errors
    # are zero too, so the calibrated band has (next to) no width
    assert np.allclose(rows["error"], 0.0, atol=1e-9) and rows["raw_covered"].all()
    assert (rows["calibration"] != "raw").all()   # 2019Q1, 8 ahead: 3 errors of its own, pooled
    assert np.allclose(rows["upper"] - rows["lower"], 0.0, atol=1e-9)
    card = scorecard(result)
    pooled = card[card["horizon"] == "all"].iloc[0]
    assert pooled["n"] == 6 and pooled["best"] == "ols"


def test_backtest_scores_against_disclosed_rows_only():
    # the straight line above (10^(10 + 0.1 i) tokens in quarter i from 2016Q1), plus an undisclosed
    # run imputed at 1e15 tokens in 2019Q4. The imputed row enters the fits (the record frontier
    # the fits see jumps to 15 from 2019Q4 on) but is never truth: the actual of every target
    # quarter is the disclosed line, e.g. 2019Q4 (i = 15) is 10 + 1.5 = 11.5, not 15.
    q = np.arange(Quarter(2016, 1).ordinal, Quarter(2021, 1).ordinal)
    disclosed = 10.0 ** (10 + 0.1 * np.arange(q.size))
    q_imp = Quarter(2019, 4).ordinal
    qq = np.append(q, q_imp)
    obs = Observations("x", "tokens", 1, (qq + 0.5) / 4, qq, qq, np.append(disclosed, 1e15),
                       np.append(np.zeros(q.size, bool), True))
    spec = BacktestSettings(Quarter(2019, 1), None, (4, 8), 0.8)
    rows = backtest(obs, FrontierRule(), spec, ("ols",)).rows
    first = rows[(rows["origin"] == "2019Q1") & (rows["horizon"] == 4)].iloc[0]
    assert first["target"] == "2019Q4" and first["actual"] == pytest.approx(11.5)
    index = rows["target"].map(lambda t: Quarter.parse(t).ordinal - q[0])
    assert np.allclose(rows["actual"], 10 + 0.1 * index)
    # the fits did see the imputed row: from origin 2020Q1 on they forecast above the line
    later = rows[rows["origin"] >= "2020Q1"]
    assert len(later) and (later["error"] > 0).all()


def test_scorecard_compares_methods_on_common_forecasts_only():
    error = np.array([5.0, 0.2, 0.1])
    rows = pd.DataFrame({"series": "x", "method": ["a", "a", "b"], "origin": ["2020Q1", "2020Q2", "2020Q2"],
                         "horizon": 4, "target": "t", "forecast": error, "lower": error - 1.0,
                         "upper": error + 1.0, "actual": 0.0, "error": error, "covered": error <= 1.0,
                         "raw_lower": error, "raw_upper": error, "raw_covered": False, "calibration": "horizon",
                         "n_errors": 4})
    from forecast.fit.backtest import Backtest

    card = scorecard(Backtest(scored(rows, 0.8), pd.DataFrame()))
    # a's 2020Q1 forecast has no b counterpart: left out, so a's MAE is 0.2 and b (0.1) is best
    # (band ±1 about the median, covering 0: score 2/3 × (0.1 × 1 + 0.5 × error + 0.1 × 1))
    pooled = card[card["horizon"] == "all"].set_index("method")
    assert pooled.loc["a", "mae"] == pytest.approx(0.2) and pooled.loc["a", "n"] == 1
    assert pooled.loc["a", "score"] == pytest.approx(2 / 3 * (0.2 + 0.5 * 0.2))
    assert pooled.loc["b", "score"] == pytest.approx(2 / 3 * (0.2 + 0.5 * 0.1))
    assert (card["best"] == "b").all()
