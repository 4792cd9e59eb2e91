"""The quarter-by-quarter scan (forecast/engine/scan.py): one step, by hand, shared by run and point."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from forecast.engine import point, run
from forecast.engine import scan as S
from forecast.engine.paths import Extra
from forecast.io.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def _extra() -> Extra:
    # one source the dynamics act on (half of its new text human, 10%/yr erosion) and one they do
    # not; 2 licensed tokens a year (1 bought × a repetition multiplier of 2) at $3 a token; the gap
    # priced $2 a synthetic token, beside one licensable component of 40 tokens whose first token costs
    # $1 and its last 4 × $1; the quarters end 2030.75 and 2031.0
    extra = Extra(dynamic=[True, False], share_by_quarter=None, share_per_sample=np.array([0.5]),
                  erosion=np.array([0.1]), licensed_rate=np.array([2.0]), licensed_raw_rate=np.array([1.0]),
                  licensed_price=np.array([3.0]), quarter_years=np.array([2030.75, 2031.0]), has_dynamics=True)
    extra.gap_price_at = lambda years: np.array([2.0])
    extra.license_base, extra.license_rise, extra.license_stock = np.array([[1.0]]), np.array([4.0]), np.array([[40.0]])
    extra.gap_years = np.array([0.0, 1.0])
    return extra


def test_quarter_step_by_hand():
    extra, state = _extra(), S.ScanState.start(1, 2)
    first = S.quarter_step(extra, state, 0, 0.0, [np.array([100.0]), np.array([10.0])], np.array([50.0]))
    # τ = 0: H_0 = W_0 = 100, consent 0.9^0 = 1, L = 0: S = 100 + 10 = 110 > D = 50, no gap
    assert first["stock"][0] == 110.0 and first["synthetic_needed"][0] == 0.0
    assert first["stock_licensed"][0] == 0.0 and first["licensed_spend"][0] == 0.0
    rows = S.quarter_step(extra, state, 1, 1.0, [np.array([120.0]), np.array([10.0])], np.array([200.0]))
    # τ = 1: H = 100 + 0.5 × (120 − 100) = 110; open 0.9 × 110 = 99; L = 2 × 1 = 2; S = 99 + 10 + 2 = 111
    assert state.human[0][0] == 110.0
    assert rows["stock"][0] == pytest.approx(111.0, rel=1e-15)
    assert rows["stock_human_inflow"][0] == 10.0
    assert rows["stock_consent_loss"][0] == pytest.approx(11.0, rel=1e-14)
    assert rows["stock_licensed"][0] == 2.0
    assert rows["licensed_spend"][0] == 3.0  # 1 token a year bought × 1 year × $3
    # gap 200 − 111 = 89 tokens, share 1 − 111/200 = 0.445, ratio 200/111
    assert rows["synthetic_needed"][0] == pytest.approx(89.0, rel=1e-14)
    assert rows["synthetic_share"][0] == pytest.approx(0.445, rel=1e-14)
    assert rows["ratio"][0] == pytest.approx(200 / 111, rel=1e-15)
    # all 89 tokens are new. Licensing is cheaper until its price 4^s reaches $2, at s = ½: 20 of the
    # 40 tokens, for 40 × (2 − 1)/ln 4 = $28.8539; the other 69 are synthetic, 69 × $2 = $138, by the
    # end of 2030 (2030Q4 ends at 2031.0). The next licensed token costs $2 too: synthetic at the margin
    assert rows["gap_tokens_licensed"][0] == pytest.approx(20.0, rel=1e-12)
    assert rows["gap_tokens_synthetic"][0] == pytest.approx(69.0, rel=1e-12)
    assert rows["gap_tokens_licensed_cumulative"][0] == pytest.approx(20.0, rel=1e-12)
    assert rows["gap_cost_synthetic_cumulative"][0] == pytest.approx(138.0, rel=1e-12)
    assert rows["gap_cost_licensed_cumulative"][0] == pytest.approx(40.0 / np.log(4.0), rel=1e-12)
    assert rows["gap_cost_licensed"][0] == pytest.approx(28.8539, rel=1e-5)
    assert rows["gap_synthetic_cheaper"][0] == 1.0
    syn, lic, margin = state.totals[2030]
    assert [float(syn[0]), float(lic[0])] == pytest.approx([138.0, 40.0 / np.log(4.0)], rel=1e-12)
    assert margin.tolist() == [True]


def test_scan_finds_the_first_quarter_demand_reaches_the_stock():
    webs = [np.array([[100.0, 120.0]]), np.array([[10.0, 10.0]])]
    need = np.array([[50.0, 200.0]])
    first = S.scan(_extra(), np.array([0.0, 1.0]), lambda k, tau: ([w[:, k] for w in webs], need[:, k]),
                   S.ScanState.start(1, 2))
    assert first.tolist() == [1]


def test_point_estimate_and_monte_carlo_take_the_same_step(monkeypatch):
    """Both scan with S.quarter_step: the point estimate on one sample, the run on every sample."""
    scenario = load_scenario(SCENARIOS / "ai-written-inflow.yaml").scenario
    sizes: list[int] = []
    step = S.quarter_step

    def counted(extra, state, k, tau, web, need, rows=True):
        sizes.append(need.size)
        return step(extra, state, k, tau, web, need, rows)

    monkeypatch.setattr(S, "quarter_step", counted)
    quarters = len(scenario.horizon.quarters)
    point(scenario)
    assert sizes == [1] * quarters
    sizes.clear()
    run(scenario, samples=7)
    assert sizes == [7] * quarters + [1] * quarters  # the full run's own point estimate follows
