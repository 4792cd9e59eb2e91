"""Tests of forecast/units.py: parsing and formatting quantities, intervals and quarters."""
from __future__ import annotations

import ast
import doctest
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from forecast import units
from forecast.units import (
    HOURS_PER_YEAR,
    KINDS,
    Quarter,
    format_quantity,
    parse_interval,
    parse_quantity,
)

NAN, INF = float("nan"), float("inf")


# --- public API ------------------------------------------------------------------------------

def test_public_api_is_curated():
    assert units.__all__ == ["Kind", "KINDS", "HOURS_PER_YEAR", "parse_quantity",
                             "format_quantity", "parse_interval", "Quarter"]
    assert KINDS == ("number", "tokens", "params", "flop", "usd", "fraction", "growth", "hours")
    assert HOURS_PER_YEAR == 8766.0


def test_units_imports_only_the_standard_library():
    tree = ast.parse(Path(units.__file__).read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module}
    assert imported - {"__future__"} <= sys.stdlib_module_names, imported


def test_docstring_examples_run():
    result = doctest.testmod(units)
    assert result.attempted >= 5
    assert result.failed == 0


# --- parse_quantity: accepted spellings ------------------------------------------------------

PARSED = [
    # number
    ("3e14", "number", 3e14), ("3E+14", "number", 3e14), ("1e-3", "number", 0.001),
    ("1_000", "number", 1000.0), ("1,000,000", "number", 1e6), ("1,000.5", "number", 1000.5),
    ("0.5", "number", 0.5), (".5", "number", 0.5), ("-2.5", "number", -2.5), ("+7", "number", 7.0),
    ("  42  ", "number", 42.0), ("1.5M", "number", 1.5e6), (3, "number", 3.0),
    (2.5, "number", 2.5), (-1e300, "number", -1e300),
    # tokens
    ("300T", "tokens", 3e14), ("300 T", "tokens", 3e14), ("15 trillion", "tokens", 1.5e13),
    ("15 Trillion", "tokens", 1.5e13), ("15trillion", "tokens", 1.5e13), ("1.5Q", "tokens", 1.5e15),
    ("2 quadrillion", "tokens", 2e15), ("5K", "tokens", 5e3), ("5 thousand", "tokens", 5e3),
    ("2 million", "tokens", 2e6), ("3 billion", "tokens", 3e9), ("3e14", "tokens", 3e14),
    ("300T tokens", "tokens", 3e14), ("15 trillion tokens", "tokens", 1.5e13),
    ("1 token", "tokens", 1.0), ("1.4T", "tokens", 1.4e12), (3e14, "tokens", 3e14),
    (np.int64(5), "tokens", 5.0), (np.float64(2e12), "tokens", 2e12),
    # params
    ("70B", "params", 7e10), ("70B params", "params", 7e10),
    ("1.8 trillion parameters", "params", 1.8e12), ("7e10", "params", 7e10),
    # flop
    ("3.8e25", "flop", 3.8e25), ("3.8e25 FLOP", "flop", 3.8e25), ("2e24 FLOPs", "flop", 2e24),
    ("1e3 flop", "flop", 1e3),
    # usd
    ("$2.10", "usd", 2.1), ("$4.6M", "usd", 4.6e6), ("4.6M", "usd", 4.6e6),
    ("4.6 million", "usd", 4.6e6), ("$700K", "usd", 7e5), ("$1,000", "usd", 1e3),
    ("-$1M", "usd", -1e6), ("-1M", "usd", -1e6), ("$0.005", "usd", 0.005), (-5, "usd", -5.0),
    # fraction
    ("35%", "fraction", 0.35), ("35 %", "fraction", 0.35), ("35.5%", "fraction", 0.355),
    ("0.35", "fraction", 0.35), ("0%", "fraction", 0.0), ("100%", "fraction", 1.0),
    (0.35, "fraction", 0.35), (1, "fraction", 1.0), (0, "fraction", 0.0),
    # growth
    ("2.3x/yr", "growth", 2.3), ("2.3x per year", "growth", 2.3), ("2.3 x/year", "growth", 2.3),
    ("2.3X/YR", "growth", 2.3), ("35%/yr", "growth", 1.35), ("35% per year", "growth", 1.35),
    ("-20%/yr", "growth", 0.8), ("0%/yr", "growth", 1.0), ("0.38 OOM/yr", "growth", 10 ** 0.38),
    ("1 OOM/yr", "growth", 10.0), ("-0.5 OOMs per year", "growth", 10 ** -0.5),
    # hours
    ("2.79M h", "hours", 2.79e6), ("500 hours", "hours", 500.0), ("3 h", "hours", 3.0),
    ("1e6 GPU-hours", "hours", 1e6), ("2 GPU hours", "hours", 2.0),
]


@pytest.mark.parametrize(("value", "kind", "expected"), PARSED)
def test_parse_quantity(value, kind, expected):
    result = parse_quantity(value, kind)
    assert type(result) is float
    assert result == expected


def test_parse_quantity_defaults_to_number():
    assert parse_quantity("1.5M") == 1.5e6


def test_negative_zero_becomes_zero():
    result = parse_quantity("-0", "tokens")
    assert result == 0.0
    assert math.copysign(1.0, result) == 1.0


# --- parse_quantity: mistakes and their messages ---------------------------------------------

GROWTH_HINT = "write 1.35x/yr or 35%/yr"
REJECTED = [
    ("abc", "tokens", "expected a token count such as 300T, 15 trillion or 3e14, got 'abc'"),
    ("", "number", "expected a number"),
    ("nan", "number", "expected a number"), ("inf", "number", "expected a number"),
    (True, "number", "got True"), (None, "tokens", "got None"), ([1], "number", "got [1]"),
    # not finite
    (NAN, "number", "finite"), (INF, "tokens", "finite"), (-INF, "usd", "finite"),
    (NAN, "growth", "finite"), (NAN, "fraction", "finite"), (INF, "params", "finite"),
    (INF, "flop", "finite"), (NAN, "hours", "finite"), ("1e400", "number", "'1e400'; that overflows"),
    ("1e308T", "tokens", "overflows"), ("1e999999999", "usd", "overflows"),
    (10 ** 400, "number", "overflows"), ("500 OOM/yr", "growth", "overflows"),
    # cannot be negative
    ("-5T", "tokens", "token counts cannot be negative"), (-1, "tokens", "token counts cannot"),
    ("-70B", "params", "parameter counts cannot be negative"),
    ("-1e25", "flop", "FLOP counts cannot be negative"), ("-5 h", "hours", "hours cannot be negative"),
    # fraction
    ("35", "fraction", "did you mean 35%?"), (35, "fraction", "did you mean 35%?"),
    ("1.5", "fraction", "did you mean 1.5%?"), ("135%", "fraction", "cannot exceed 100%"),
    ("350", "fraction", "cannot exceed 100%"), ("-5%", "fraction", "cannot be negative"),
    ("-0.2", "fraction", "cannot be negative"), ("0.5K", "fraction", "K, M, B, T and Q"),
    ("35%/yr", "fraction", "yearly growth rate, not a fraction"),
    # growth
    ("1.35", "growth", GROWTH_HINT), (1.35, "growth", GROWTH_HINT), ("35%", "growth", GROWTH_HINT),
    ("2.3x", "growth", GROWTH_HINT), ("$5", "growth", GROWTH_HINT),
    ("1.5M x/yr", "growth", "K, M, B, T and Q"), ("-0.5x/yr", "growth", "above 0x/yr"),
    ("0x/yr", "growth", "above 0x/yr"), ("-100%/yr", "growth", "above -100%/yr"),
    ("-1000 OOM/yr", "growth", "above 0x/yr"),
    # a marker of another kind
    ("$5", "tokens", "money (USD), not a token count"),
    ("35%", "tokens", "percentage, not a token count"),
    ("2x/yr", "usd", "yearly growth factor, not an amount in US dollars"),
    ("35%", "number", "percentage, not a number"), ("$5", "number", "money"),
    ("300 tokens", "fraction", "token count, not a fraction"),
    ("70B tokens", "params", "token count, not a parameter count"),
    ("5 h", "tokens", "hours, not a token count"), ("3e25 FLOP", "usd", "FLOP, not an amount"),
    ("$5 tokens", "tokens", "'$' marks money"),
    # spelling
    ("300t", "tokens", "capital letters"), ("1.5 m", "number", "capital letters"),
    ("300 foo", "tokens", "unknown unit 'foo'"), ("1,00", "number", "unknown unit"),
    ("3,5", "number", "unknown unit"), ("$-1M", "usd", "-$1M"), ("$ 5", "usd", "got '$ 5'"),
    ("1e", "number", "unknown unit"), ("1..5", "number", "unknown unit"),
]


@pytest.mark.parametrize(("value", "kind", "hint"), REJECTED)
def test_parse_quantity_rejects(value, kind, hint):
    with pytest.raises(ValueError) as info:
        parse_quantity(value, kind)
    message = str(info.value)
    assert hint in message
    assert message.startswith("expected ") and " such as " in message  # names what, with example
    assert f"got {value!r}" in message


def test_unknown_kind_is_an_error():
    with pytest.raises(ValueError, match="unknown kind 'money'"):
        parse_quantity("5", "money")
    with pytest.raises(ValueError, match="unknown kind"):
        format_quantity(5.0, "money")


# --- format_quantity -------------------------------------------------------------------------

FORMATTED = [
    (3e14, "tokens", 3, "300T"), (1.5e13, "tokens", 3, "15T"), (1.4e12, "tokens", 3, "1.4T"),
    (7e10, "params", 3, "70B"), (2.5e15, "tokens", 3, "2500T"), (1e20, "tokens", 3, "1e20"), (4.65e18, "tokens", 3, "4.65e18"),
    (9.9e16, "tokens", 3, "99000T"),
    (999.6e12, "tokens", 3, "1000T"), (999.0, "tokens", 3, "999"), (0.5, "tokens", 3, "0.5"),
    (0.0, "tokens", 3, "0"), (-0.0, "tokens", 3, "0"), (1234567.0, "tokens", 3, "1.23M"),
    (1234567.0, "tokens", 2, "1.2M"), (1000.0, "params", 3, "1K"), (-2e12, "tokens", 3, "-2T"),
    (np.float64(1.4e12), "tokens", 3, "1.4T"),
    (3.8e25, "flop", 3, "3.8e25"), (1e26, "flop", 3, "1e26"), (3.14159e25, "flop", 3, "3.14e25"),
    (3.14159e25, "flop", 5, "3.1416e25"), (0.0, "flop", 3, "0"), (0.5, "flop", 3, "5e-1"),
    (4.6e6, "usd", 3, "$4.6M"), (7e5, "usd", 3, "$700K"), (2.1, "usd", 3, "$2.10"),
    (1.2e9, "usd", 3, "$1.2bn"), (-1e6, "usd", 3, "-$1M"), (123.456, "usd", 3, "$123.46"),
    (0.005, "usd", 3, "$0.005"), (0.0, "usd", 3, "$0.00"), (999.999, "usd", 3, "$1K"),
    (-2.5, "usd", 3, "-$2.50"), (1234.0, "usd", 3, "$1.23K"),
    (0.35, "fraction", 3, "35%"), (0.355, "fraction", 3, "35.5%"), (1 / 3, "fraction", 3, "33.3%"),
    (1.0, "fraction", 3, "100%"), (0.0, "fraction", 3, "0%"), (0.001, "fraction", 3, "0.1%"),
    (2.3, "growth", 3, "2.3x/yr"), (1.35, "growth", 3, "1.35x/yr"), (1 / 3, "growth", 3, "0.333x/yr"),
    (10.0, "growth", 3, "10x/yr"),
    (2.79e6, "hours", 3, "2.79M h"), (500.0, "hours", 3, "500 h"),
    (3e14, "number", 3, "3e+14"), (2.5, "number", 3, "2.5"), (-0.0, "number", 3, "0"),
    (NAN, "number", 3, "nan"), (INF, "tokens", 3, "inf"), (-INF, "usd", 3, "-inf"),
]


@pytest.mark.parametrize(("value", "kind", "digits", "expected"), FORMATTED)
def test_format_quantity(value, kind, digits, expected):
    assert format_quantity(value, kind, digits) == expected


def test_format_quantity_defaults():
    assert format_quantity(2.5) == "2.5"
    assert format_quantity(1.23456e14, "tokens") == "123T"


@pytest.mark.parametrize("digits", [0, -1, 2.5, True, "3"])
def test_format_quantity_rejects_bad_digits(digits):
    with pytest.raises(ValueError, match="digits must be a whole number of at least 1"):
        format_quantity(1.0, "tokens", digits)


# --- round trips -----------------------------------------------------------------------------

def finite(**kwargs):
    return st.floats(allow_nan=False, allow_infinity=False, **kwargs)


# Every finite value in the range of its kind.
IN_RANGE = {
    "number": finite(),
    "tokens": finite(min_value=0.0),
    "params": finite(min_value=0.0),
    "flop": finite(min_value=0.0),
    "usd": finite(),
    "fraction": finite(min_value=0.0, max_value=1.0),
    "growth": finite(min_value=0.0, exclude_min=True),
    "hours": finite(min_value=0.0),
}
# Values whose canonical text stays a parseable, normal float after rounding to 3 digits.
ORDINARY = {
    kind: (finite(min_value=low, max_value=1e300, allow_subnormal=False) if kind != "fraction"
           else finite(min_value=0.0, max_value=1.0, allow_subnormal=False))
    for kind, low in [("number", -1e300), ("tokens", 0.0), ("params", 0.0), ("flop", 0.0),
                      ("usd", -1e300), ("fraction", 0.0), ("growth", 1e-300), ("hours", 0.0)]
}


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0)


@pytest.mark.parametrize("kind", KINDS)
def test_round_trip_from_value(kind):
    @given(IN_RANGE[kind])
    @example(0.1 + 0.2)
    @example(1.0)
    def check(x):
        text = format_quantity(x, kind, digits=17)
        assert _close(parse_quantity(text, kind), x), text

    check()


@pytest.mark.parametrize("kind", KINDS)
def test_round_trip_from_canonical_text(kind):
    @given(ORDINARY[kind])
    @example(0.999)
    @example(0.9996)
    def check(x):
        text = format_quantity(x, kind)
        assert format_quantity(parse_quantity(text, kind), kind) == text

    check()


@given(st.integers(0, 10 ** 6), st.sampled_from(["K", "M", "B", "T", "Q", " thousand", " trillion"]))
def test_magnitude_suffix_multiplies_exactly(mantissa, suffix):
    exponent = {"K": 3, "M": 6, "B": 9, "T": 12, "Q": 15, " thousand": 3, " trillion": 12}[suffix]
    assert parse_quantity(f"{mantissa}{suffix}", "tokens") == float(mantissa * 10 ** exponent)


@given(st.integers(0, 100))
def test_percent_is_a_hundredth(percent):
    assert parse_quantity(f"{percent}%", "fraction") == percent / 100
    assert _close(parse_quantity(f"{percent}%/yr", "growth"), 1 + percent / 100)


@given(st.text(max_size=30), st.sampled_from(KINDS))
def test_any_text_parses_to_a_finite_float_or_raises_value_error(text, kind):
    try:
        result = parse_quantity(text, kind)
    except ValueError as err:
        assert str(err).startswith("expected ")
    else:
        assert math.isfinite(result)


# --- parse_interval --------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("100T to 1000T", "tokens", (1e14, 1e15)),
    ("100T TO 1000T", "tokens", (1e14, 1e15)),
    ("  100T  to\t1000T ", "tokens", (1e14, 1e15)),
    ("20% to 40%", "fraction", (0.2, 0.4)),
    ("1.2x/yr to 35%/yr", "growth", (1.2, 1.35)),
    ("-$1M to $1M", "usd", (-1e6, 1e6)),
    ("5 to 5", "number", (5.0, 5.0)),
    ("300T", "tokens", None),
    ("100Tto1000T", "tokens", None),
    ("tomorrow", "number", None),
    (3e14, "tokens", None),
])
def test_parse_interval(text, kind, expected):
    assert parse_interval(text, kind) == expected


@pytest.mark.parametrize(("text", "kind", "hint"), [
    ("1000T to 100T", "tokens", "write the low end first"),
    ("1 to 2 to 3", "number", "use 'to' once"),
    ("1T to abc", "tokens", "expected a token count such as 300T"),
    ("20 to 40", "fraction", "did you mean 20%?"),
    ("1.2 to 1.5", "growth", GROWTH_HINT),
])
def test_parse_interval_rejects(text, kind, hint):
    with pytest.raises(ValueError) as info:
        parse_interval(text, kind)
    assert hint in str(info.value)
    assert repr(text) in str(info.value)


# --- Quarter ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["2026Q4", "2026-Q4", "2026 q4", "2026 Q4", " 2026q4 ", "2026 - Q4"])
def test_quarter_parse(text):
    assert Quarter.parse(text) == Quarter(2026, 4)


def test_quarter_parse_passes_a_quarter_through():
    quarter = Quarter(2030, 1)
    assert Quarter.parse(quarter) is quarter


@pytest.mark.parametrize(("text", "hint"), [
    ("2026Q5", "expected a quarter such as 2026Q4"), ("26Q4", "got '26Q4'"),
    ("2026", "expected a quarter"), ("", "expected a quarter"), ("Q4 2026", "write the year first"),
    (2026, "got 2026"), (None, "got None"), ("2026Q4x", "expected a quarter"),
])
def test_quarter_parse_rejects(text, hint):
    with pytest.raises(ValueError) as info:
        Quarter.parse(text)
    assert hint in str(info.value)


@pytest.mark.parametrize(("year", "q"), [(2026, 0), (2026, 5), (-1, 1), (10000, 1), (2026.0, 1),
                                         (2026, True), ("2026", 1)])
def test_quarter_rejects_bad_fields(year, q):
    with pytest.raises(ValueError, match="expected a quarter such as 2026Q4"):
        Quarter(year, q)


def test_quarter_values():
    quarter = Quarter(2026, 4)
    assert str(quarter) == "2026Q4"
    assert str(Quarter(26, 1)) == "0026Q1"
    assert quarter.ordinal == 2026 * 4 + 3
    assert Quarter.from_ordinal(2026 * 4 + 3) == quarter
    assert quarter.end_year == 2027.0
    assert Quarter(2024, 1).end_year == 2024.25
    assert quarter + 1 == Quarter(2027, 1)
    assert quarter + -4 == Quarter(2025, 4)
    assert quarter + np.int64(2) == Quarter(2027, 2)
    assert Quarter(2026, 3) < quarter < Quarter(2027, 1)
    assert type(Quarter(np.int64(2026), np.int64(4)).year) is int
    with pytest.raises(TypeError):
        quarter + 1.0
    with pytest.raises(AttributeError):
        quarter.q = 1  # frozen


quarters = st.builds(Quarter, st.integers(0, 9999), st.integers(1, 4))


@given(quarters)
def test_quarter_text_round_trip(quarter):
    assert Quarter.parse(str(quarter)) == quarter
    assert Quarter.parse(f"{quarter.year:04d}-q{quarter.q}") == quarter


@given(quarters, st.integers(0, 9999 * 4 + 3))
def test_quarter_ordinal_round_trip(quarter, n):
    assert Quarter.from_ordinal(quarter.ordinal) == quarter
    assert Quarter.from_ordinal(n).ordinal == n


@given(quarters, quarters)
def test_quarter_order_matches_end_year_and_ordinal(a, b):
    assert (a < b) == (a.end_year < b.end_year) == (a.ordinal < b.ordinal)
    assert (a == b) == (a.end_year == b.end_year)


@given(quarters, st.integers(-100, 100))
def test_quarter_addition_moves_by_quarters(quarter, n):
    if not 0 <= quarter.ordinal + n <= 9999 * 4 + 3:
        return
    moved = quarter + n
    assert moved.ordinal == quarter.ordinal + n
    assert moved.end_year == pytest.approx(quarter.end_year + n / 4, abs=1e-9)


@pytest.mark.parametrize("value, text", [(9.5e12, "$9.5tn"), (1.09e12, "$1.09tn"), (-2e12, "-$2tn"),
                                         (4.65e15, "$4650tn"), (129e9, "$129bn"), (1.04e6, "$1.04M")])
def test_money_never_takes_the_token_suffix(value: float, text: str) -> None:
    assert format_quantity(value, "usd") == text
    assert parse_quantity(text, "usd") == value
    assert not format_quantity(value, "usd").endswith("T")


def test_bn_and_tn_are_read_as_magnitudes() -> None:
    assert parse_quantity("$3bn", "usd") == 3e9
    assert parse_quantity("$9.5tn", "usd") == 9.5e12
    assert parse_interval("$10bn to $1tn", "usd") == (1e10, 1e12)


def test_usd_axis_ticks_are_the_house_format_and_never_use_the_token_suffix() -> None:
    from forecast.report.charts.base import axis_formatter

    tick = axis_formatter("usd")
    # the same text as every money figure of the report: $100K, not $100k beside $1M
    assert [tick(v, 0) for v in (1e5, 1e6, 5e9, 1e12, 1e16, 0.0)] == ["$100K", "$1M", "$5bn", "$1tn", "$10000tn", "0"]
