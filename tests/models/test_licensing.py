"""The gap filled by the cheapest feasible routes (forecast/models/licensing.py), by hand."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from forecast.models import licensing as L

LN4 = math.log(4.0)


def test_one_component_stops_where_its_price_reaches_synthetic():
    # Q = 10, p_0 = 1, R = 4, π = 2: 4^s = 2 at s = ½, so 5 tokens; cost 10·(2 − 1)/ln 4 = 7.2135
    lic, syn, cost = L.fill_gap([8.0], [2.0], [[1.0]], [4.0], [[10.0]], [[0.0]])
    assert lic[0, 0] == pytest.approx(5.0, rel=1e-12)
    assert syn[0] == pytest.approx(3.0, rel=1e-12)
    assert cost[0] == pytest.approx(10.0 / LN4, rel=1e-12)


def test_a_small_need_is_all_licensed_below_the_synthetic_price():
    # need 2 < the 5 on sale below π: s = 0.2, cost 10·(4^0.2 − 1)/ln 4 = 10·0.319508/1.386294 = 2.30477
    lic, syn, cost = L.fill_gap([2.0], [2.0], [[1.0]], [4.0], [[10.0]], [[0.0]])
    assert lic[0, 0] == pytest.approx(2.0, rel=1e-12) and syn[0] == pytest.approx(0.0, abs=1e-12)
    assert cost[0] == pytest.approx(2.30477, rel=1e-5)
    # licensing filled it below π: at the margin licensing is still cheaper (next token 4^0.2 = 1.32 < 2)
    assert not L.synthetic_cheaper_at_margin([2.0], [[1.0]], [4.0], [[10.0]], lic)[0]


def test_two_components_are_bought_to_a_common_marginal_price():
    # A: Q = 10, p_0 = 1; B: Q = 10, p_0 = 2; R = 4; π = 4 allows 10 + 5 = 15, the need is 12.
    # 10·ln λ/ln 4 + 10·(ln λ − ln 2)/ln 4 = 12 → ln λ = 1.7 ln 2: A 8.5, B 3.5 tokens, both at 2^1.7.
    # Costs: A 10·(2^1.7 − 1)/ln 4 = 16.2232, B 20·(2^0.7 − 1)/ln 4 = 9.0097; 25.2329 in all
    lic, syn, cost = L.fill_gap([12.0], [4.0], [[1.0], [2.0]], [4.0], [[10.0], [10.0]], [[0.0], [0.0]])
    assert lic[:, 0] == pytest.approx([8.5, 3.5], rel=1e-12)
    assert syn[0] == pytest.approx(0.0, abs=1e-9)
    assert cost[0] == pytest.approx(10 * (2 ** 1.7 - 1) / LN4 + 20 * (2 ** 0.7 - 1) / LN4, rel=1e-12)
    assert cost[0] == pytest.approx(25.2329, rel=1e-5)
    prices = L.marginal_license_price([[1.0], [2.0]], 4.0, [[10.0], [10.0]], lic)
    assert prices[:, 0] == pytest.approx([2 ** 1.7, 2 ** 1.7], rel=1e-12)


def test_a_bought_out_stock_or_a_dear_licence_leaves_it_all_synthetic():
    # column 0: the stock is bought out; column 1: the first licensed token ($3) costs more than π = $2
    lic, syn, cost = L.fill_gap([7.0, 7.0], [2.0, 2.0], [[1.0, 3.0]], [4.0, 4.0], [[10.0]], [[10.0, 0.0]])
    assert lic.tolist() == [[0.0, 0.0]] and syn.tolist() == [7.0, 7.0] and cost.tolist() == [0.0, 0.0]
    assert L.synthetic_cheaper_at_margin([2.0, 2.0], [[1.0, 3.0]], [4.0, 4.0], [[10.0]], [[10.0, 0.0]]).all()


def test_buying_a_stock_in_pieces_costs_the_same_as_at_once():
    # the supply curve is on the cumulative share: two halves cost what the whole does, 10·(e − 1)
    whole = L.license_cost(1.0, math.e, 10.0, 0.0, 10.0)
    halves = L.license_cost(1.0, math.e, 10.0, 0.0, 5.0) + L.license_cost(1.0, math.e, 10.0, 5.0, 10.0)
    assert whole == pytest.approx(10 * (math.e - 1), rel=1e-12) and halves == pytest.approx(whole, rel=1e-12)


@given(st.lists(st.tuples(st.floats(0.0, 50.0), st.floats(0.1, 20.0)), min_size=1, max_size=12),
       st.lists(st.floats(0.1, 5.0), min_size=3, max_size=3), st.floats(1.01, 30.0),
       st.lists(st.floats(0.0, 40.0), min_size=3, max_size=3))
def test_cumulative_licensed_tokens_never_exceed_the_licensable_stock(quarters, base, rise, stock):
    # quarter after quarter (need, synthetic price): never more than exists, never more than the need
    base, q = np.array(base)[:, None], np.array(stock)[:, None]
    bought = np.zeros((3, 1))
    for need, price in quarters:
        lic, syn, cost = L.fill_gap([need], [price], base, [rise], q, bought)
        assert (lic >= 0).all() and lic.sum() <= need * (1 + 1e-12) + 1e-12
        assert syn[0] == pytest.approx(need - lic.sum(), abs=1e-9) and cost[0] >= 0
        bought += lic
        assert (bought <= q * (1 + 1e-12) + 1e-12).all()
        # no licensed token was bought above the synthetic price
        bought_any = lic[:, 0] > 1e-9
        marginal = base[:, 0] * rise ** np.where(q[:, 0] > 0, bought[:, 0] / np.where(q[:, 0] > 0, q[:, 0], 1), 1)
        assert (marginal[bought_any] <= price * (1 + 1e-9)).all()
