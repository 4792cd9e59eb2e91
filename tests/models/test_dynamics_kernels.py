"""Stock-dynamics and gap-price kernels: hand-computed values (forecast/models/dynamics.py, cost.py)."""
from __future__ import annotations

import numpy as np
import pytest

from forecast.models import data_cost as C
from forecast.models import dynamics as Y


def _human_path(web, share: float) -> np.ndarray:
    web = np.asarray(web, dtype=float)[:, None]  # quarters × one sample
    human = web[0].copy()
    out = [human.copy()]
    for prev, now in zip(web[:-1], web[1:]):
        Y.human_stock_step(human, prev, now, share, out=human)
        out.append(human.copy())
    return np.array(out)[:, 0]


def test_all_human_inflow_is_the_fixed_exponential():
    # W_k = 100 × 1.08^(k/4): with h = 1 the recursion telescopes to H_k = W_k
    web = 100.0 * 1.08 ** (np.arange(9) / 4.0)
    assert _human_path(web, 1.0) == pytest.approx(web, rel=1e-14)


def test_half_human_inflow_adds_half_the_new_text():
    # H_k = W_0 + 0.5 (W_k − W_0): after two years at 8%/yr, 100 + 0.5 × 16.64 = 108.32
    web = 100.0 * 1.08 ** (np.arange(9) / 4.0)
    assert _human_path(web, 0.5)[-1] == pytest.approx(108.32, rel=1e-12)


def test_no_human_inflow_freezes_the_stock():
    web = np.array([100.0, 120.0, 150.0])
    assert _human_path(web, 0.0).tolist() == [100.0, 100.0, 100.0]


def test_consent_factor_and_licensed_stock_by_hand():
    # 3% a year for 4 years: 0.97^4 = 0.88529281; 2T/yr for 1.25 yr = 2.5T
    assert float(Y.consent_factor(0.03, 4.0)) == pytest.approx(0.88529281, rel=1e-12)
    assert float(Y.consent_factor(0.0, 10.0)) == 1.0
    assert float(Y.licensed_stock(2e12, 1.25)) == 2.5e12


def test_stock_terms_add_up():
    terms = Y.stock_terms(np.array([100.0]), np.array([130.0]), 0.8, np.array([7.0]), other=np.array([5.0]))
    # 0.8 × 130 + 7 + 5 = 116 = 100 + 5 + 30 − 26 + 7
    assert terms["stock"][0] == pytest.approx(116.0)
    assert 100.0 + 5.0 + terms["human_inflow"][0] - terms["consent_loss"][0] + terms["licensed"][0] == pytest.approx(116.0)


def test_human_share_series_interpolates_and_holds_its_ends():
    share = Y.human_share_at([2020.0, 2024.375, 2030.0], [2022.875, 2023.875, 2024.875], [1.0, 0.641, 0.52])
    # before the series: 1.0; halfway from 2023.875 to 2024.875: (0.641 + 0.52) / 2 = 0.5805; after: 0.52
    assert share.tolist() == pytest.approx([1.0, 0.5805, 0.52])


def test_useful_synthetic_price_by_hand():
    # ($1 generation + $0.5 judging) per generated Mtok, 30% kept, worth 1.5 human tokens, falling
    # to 0.6x a year, 2 years on: 1.5 / 0.3 / 1.5 × 0.36 = $1.2 per million useful tokens
    assert float(C.useful_synthetic_price(1.0, 0.3, 0.5, 1.5, 0.6, 2.0)) * 1e6 == pytest.approx(1.2, rel=1e-12)


def test_new_gap_tokens_pays_only_for_the_growth_of_the_largest_gap():
    gaps = [0.0, 3.0, 2.0, 5.0]
    largest, paid = 0.0, []
    for gap in gaps:
        paid.append(float(C.new_gap_tokens(gap, largest)))
        largest = max(largest, gap)
    assert paid == [0.0, 3.0, 0.0, 2.0]
    assert sum(paid) == max(gaps)
