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
    syn, lic, margin, all_syn, first_lic = state.totals[2030]
    assert [float(syn[0]), float(lic[0])] == pytest.approx([138.0, 40.0 / np.log(4.0)], rel=1e-12)
    assert margin.tolist() == [True]
    # the alternatives: all 89 synthetic, $178; licensed first: all 40 licensable tokens for
    # 40 × (4 − 1)/ln 4, the other 49 synthetic at $2
    assert float(all_syn[0]) == pytest.approx(178.0, rel=1e-12)
    assert float(first_lic[0]) == pytest.approx(98.0 + 120.0 / np.log(4.0), rel=1e-12)


def test_chosen_synthetic_share_splits_demand_by_hand():
    """demand.synthetic_choice: only the human part (1 − c)·D draws on the stock; share = c + forced."""
    extra, state = _extra(), S.ScanState.start(1, 2)
    extra.gap_price_at = None  # no gap pricing: the split alone
    # chosen 30% at the reference, +10 points a year, ceiling 45%; quarters end 1 and 2 years after it
    extra.chosen_share, extra.chosen_trend = np.array([0.3]), np.array([0.1])
    extra.chosen_ceiling, extra.chosen_years = np.array([0.45]), np.array([1.0, 2.0])
    first = S.quarter_step(extra, state, 0, 0.0, [np.array([100.0]), np.array([10.0])], np.array([150.0]))
    # c = 0.4: human demand 0.6 × 150 = 90 < S = 110: no gap; the synthetic share is the chosen 40%
    assert first["demand"][0] == 150.0
    assert first["demand_human"][0] == pytest.approx(90.0, rel=1e-15)
    assert first["synthetic_needed"][0] == 0.0
    assert first["synthetic_share_chosen"][0] == pytest.approx(0.4, rel=1e-15)
    assert first["synthetic_share"][0] == pytest.approx(0.4, rel=1e-15)
    rows = S.quarter_step(extra, state, 1, 1.0, [np.array([120.0]), np.array([10.0])], np.array([300.0]))
    # c = min(0.5, 0.45) = 0.45: human demand 0.55 × 300 = 165 against S = 111 (as above): 54 forced
    # synthetic tokens; share 0.45 + 54/300 = 0.63 = 1 − 111/300, above the chosen share
    assert rows["synthetic_share_chosen"][0] == pytest.approx(0.45, rel=1e-15)
    assert rows["demand_human"][0] == pytest.approx(165.0, rel=1e-14)
    assert rows["synthetic_needed"][0] == pytest.approx(54.0, rel=1e-13)
    assert rows["synthetic_share"][0] == pytest.approx(0.63, rel=1e-13)
    assert rows["ratio"][0] == pytest.approx(165.0 / 111.0, rel=1e-14)


def test_a_chosen_share_delays_exhaustion_to_where_the_human_part_meets_the_stock():
    webs = [np.array([[100.0, 120.0]]), np.array([[10.0, 10.0]])]
    need = np.array([[150.0, 200.0]])  # 150 ≥ S = 110 at once without a choice
    extra = _extra()
    extra.gap_price_at = None
    taus = np.array([0.0, 1.0])
    rows_at = lambda k, tau: ([w[:, k] for w in webs], need[:, k])  # noqa: E731
    assert S.scan(extra, taus, rows_at, S.ScanState.start(1, 2)).tolist() == [0]
    # 40% chosen: 90 < 110 in the first quarter, 120 ≥ 111 in the second
    extra.chosen_share, extra.chosen_trend = np.array([0.4]), np.array([0.0])
    extra.chosen_ceiling, extra.chosen_years = np.array([1.0]), np.array([0.0, 1.0])
    assert S.scan(extra, taus, rows_at, S.ScanState.start(1, 2)).tolist() == [1]


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


def test_a_baseline_run_never_licenses_more_than_the_licensable_stock(tmp_path, monkeypatch):
    """Engine property over samples: with synthetic text dearer than every licence, each quarter buys
    licensed text until the licensable stock runs out, and no sample ever holds more than it, per
    component or in all; the licensed-first alternative is bounded the same way."""
    path = tmp_path / "dear-synthetic.yaml"
    path.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\nname: dear-synthetic\n"
                    "gap:\n  generation_per_mtok: {value: $50000 to $200000, source: test}\n"
                    "  price_trend: {value: 1x/yr, source: test}\n", encoding="utf-8")
    scenario = load_scenario(path).scenario
    seen = {"steps": 0, "bought_out": 0}
    step = S.quarter_step

    def checked(extra, state, k, tau, web, need, rows=True):
        out = step(extra, state, k, tau, web, need, rows)
        if need.size > 1 and state.bought is not None:
            stock = extra.license_stock
            assert (state.bought <= stock * (1 + 1e-12)).all()
            assert (state.bought.sum(axis=0) <= stock.sum() * (1 + 1e-12)).all()
            assert (state.bought_first <= stock.sum() * (1 + 1e-12)).all()
            seen["steps"] += 1
            seen["bought_out"] = max(seen["bought_out"], int((state.bought.sum(axis=0) >= stock.sum() * (1 - 1e-9)).sum()))
        return out

    monkeypatch.setattr(S, "quarter_step", checked)
    result = run(scenario, samples=400)
    assert seen["steps"] == len(result.quarters)
    assert seen["bought_out"] > 0  # some samples license every licensable token: the bound binds
    totals = result.tables["gap_cost_totals"].set_index(["by_end_of", "route"])
    assert totals.loc[(2035, "licensed"), "mean"] > 0
