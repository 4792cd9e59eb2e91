"""forecast/outputs.py: the headline on a hand-made result whose answers can be counted by eye, and the
vocabulary that writes it."""
import math

import numpy as np
import pandas as pd
import pytest

from forecast.outputs import (COST_COMPONENTS, COST_LABELS, format_headline, format_stat, format_value, headline,
                              headline_kind, output_kind)
from forecast.result import ForecastResult

QUARTERS = tuple(f"{y}Q{q}" for y in range(2027, 2031) for q in range(1, 5))  # 2027Q1..2030Q4


def _result(first):
    return ForecastResult("toy", "0" * 64, 1, len(first), "0", QUARTERS,
                          events={"exhaustion": np.array(first, dtype=np.int32)})


def test_exhaustion_headline_by_hand():
    # 10 samples; positions 0 = 2027Q1 ... 15 = 2030Q4, 16 = after the horizon.
    # sorted: 0 1 3 4 4 5 7 8 16 16 -> inverted-CDF p10 = 1st value (0 → 2027Q1, end 2027.25),
    # p50 = 5th value (4 → 2028Q1, end 2028.25), p90 = 9th value (16 → after horizon).
    h = headline(_result([4, 16, 0, 5, 1, 16, 3, 8, 4, 7]))
    assert h["exhaustion.p10"] == 2027.25
    assert h["exhaustion.p50"] == 2028.25
    assert math.isinf(h["exhaustion.p90"])
    # by end of 2028 = position 7 (2028Q4): 0 1 3 4 4 5 7 → 7 of 10
    assert h["exhaustion.by_2028"] == 0.7
    # by end of 2030 = position 15: all but the two after the horizon
    assert h["exhaustion.by_2030"] == 0.8
    # 2026 ends before the horizon starts and 2032 after it ends: not known, not zero
    assert math.isnan(h["exhaustion.by_2026"]) and math.isnan(h["exhaustion.by_2032"])
    assert format_headline("exhaustion.p50", h["exhaustion.p50"]) == "2028Q1"
    assert format_headline("exhaustion.p90", h["exhaustion.p90"]) == "after horizon"
    assert format_headline("exhaustion.by_2026", h["exhaustion.by_2026"]) == "n/a"


def test_cost_headline_reads_total_row_and_refuses_a_winner_nobody_reached():
    breakdown = pd.DataFrame({"item": ["compute", "total"], "unit": "usd", "mean": [1.0, 5.0],
                              "p10": [1.0, 4.0], "p50": [1.0, 4.6e6], "p90": [1.0, 6.0]})
    curve = pd.DataFrame({"synthetic_share": [0.0, 0.5, 0.9], "p_cheapest": [0.1, 0.7, 0.2]})
    r = ForecastResult("c", "0" * 64, 1, 1, "0", ("2024Q1",),
                       tables={"cost_breakdown": breakdown, "mix_curve": curve})
    h = headline(r)
    assert h["cost.total.p50"] == 4.6e6 and h["cost.total.p10"] == 4.0
    assert h["cost.cheapest_share"] == 0.5 and h["cost.p_cheapest"] == 0.7
    unreachable = ForecastResult("c", "0" * 64, 1, 1, "0", ("2024Q1",),
                                 tables={"cost_breakdown": breakdown,
                                         "mix_curve": curve.assign(p_cheapest=0.0)})
    h = headline(unreachable)
    assert math.isnan(h["cost.cheapest_share"]) and math.isnan(h["cost.p_cheapest"])


@pytest.mark.parametrize("key, value, kind, text", [
    ("exhaustion.p50", 2029.25, "year", "2029Q1"),          # the end of 2029Q1 is 2029.25
    ("exhaustion.p10", 2031.0, "year", "2030Q4"),
    ("exhaustion.p90", math.inf, "year", "after horizon"),
    ("exhaustion.by_2030", 0.374, "probability", "37%"),
    ("cost.p_cheapest", 0.5, "probability", "50%"),
    ("cost.cheapest_share", 0.25, "fraction", "25%"),
    ("cost.total.p50", 4.71e6, "usd", "$4.71M"),
])
def test_a_headline_figure_is_written_as_a_value_of_its_kind(key, value, kind, text):
    assert headline_kind(key) == kind
    assert format_headline(key, value) == format_value(value, kind) == text


def test_keys_and_values_the_vocabulary_does_not_know():
    assert headline_kind("exhaustion") is None and format_headline("some.figure", 1.23456) == "1.235"
    assert format_headline("cost.total.p50", math.nan) == format_value(None, "usd") == "n/a"
    assert format_value(3e14, "tokens") == "300T" and format_value(0.1234, "number") == "0.123"
    assert (output_kind("exhaustion"), output_kind("exhaustion.by_2030"), output_kind("cost.mix.0.5")) == (
        "year", "probability", "usd")
    assert (format_stat(math.nan, "usd"), format_stat(math.inf, "usd"), format_stat(1.8172, "number")) == (
        "–", "unreachable", "1.8172")
    assert [COST_LABELS[k] for k in COST_COMPONENTS] == [
        "Compute", "Human data", "Expert-written data", "Synthetic generation", "Verification"]
