"""Parse and format the quantities written in scenario files, and the :class:`Quarter` type.

Scenario files are written by planners, so a value may carry the unit a person would write.
:func:`parse_quantity` turns such text into a float in the base unit of its ``kind``;
:func:`format_quantity` writes the canonical text back for reports.

========  =======================  ================================  ==============
kind      result [unit]            accepted text (examples)          canonical text
========  =======================  ================================  ==============
number    real number [1]          ``2.5``, ``1.5M``, ``3e14``       ``3e+14``
tokens    token count [count]      ``300T``, ``15 trillion tokens``  ``300T``
params    parameter count [count]  ``70B``, ``7e10 parameters``      ``70B``
flop      compute [FLOP]           ``3.8e25``, ``2e24 FLOPs``        ``3.8e25``
usd       money [USD]              ``$4.6M``, ``4.6M``, ``$9.5tn``   ``$4.6M``
fraction  share in [0, 1] [1]      ``35%``, ``0.35``                 ``35%``
growth    yearly factor [1/yr]     ``2.3x/yr``, ``35%/yr``           ``2.3x/yr``
hours     duration [h]             ``2.79M h``, ``500 GPU-hours``    ``2.79M h``
========  =======================  ================================  ==============

Magnitude suffixes read are ``K`` 1e3, ``M`` 1e6, ``B`` 1e9, ``T`` 1e12 and ``Q`` 1e15 (capital
letters), ``bn`` 1e9 and ``tn`` 1e12, or the words thousand ... quadrillion. Money is never written
with the count suffixes ``B`` and ``T``: billions are written ``$4.2bn`` and trillions ``$9.5tn``, the
style of the Economist and the FT (``$589K`` and ``$1.04M`` as for counts). Digits may be grouped as ``1_000`` or
``1,000,000``. Growth is also read from ``0.38 OOM/yr`` (10**0.38 per year); a bare number is
refused for ``growth``, as ``1.35`` could mean a factor or 135%.
"""
from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal, NamedTuple, get_args

__all__ = ["Kind", "KINDS", "HOURS_PER_YEAR", "parse_quantity", "format_quantity",
           "parse_interval", "Quarter"]

Kind = Literal["number", "tokens", "params", "flop", "usd", "fraction", "growth", "hours"]
KINDS: tuple[str, ...] = get_args(Kind)

HOURS_PER_YEAR: float = 365.25 * 24
"""Hours in a Julian year [h/yr]; converts between GPU-hours per year and GPUs running all year."""


class _Spec(NamedTuple):
    what: str  # what the planner was asked for, with its article
    examples: str  # accepted spellings, shown in every error message
    interval: str  # an example for parse_interval errors
    markers: set[str | None]  # unit markers accepted (None: a bare number)
    magnitudes: bool  # whether K, M, B, T, Q are accepted
    plural: str | None  # "token counts" when the kind cannot be negative


_SPECS: dict[str, _Spec] = {
    "number": _Spec("a number", "2.5, 1.5M or 3e14", "1 to 10", {None}, True, None),
    "tokens": _Spec("a token count", "300T, 15 trillion or 3e14", "100T to 1000T",
                    {None, "tokens"}, True, "token counts"),
    "params": _Spec("a parameter count", "70B, 1.8 trillion or 7e10", "70B to 400B",
                    {None, "params"}, True, "parameter counts"),
    "flop": _Spec("an amount of compute in FLOP", "3.8e25 or 2e24 FLOP", "1e25 to 1e26",
                  {None, "flop"}, True, "FLOP counts"),
    "usd": _Spec("an amount in US dollars", "$4.6M, $2.10 or 4.6 million", "$1M to $5M",
                 {None, "$"}, True, None),
    "fraction": _Spec("a fraction", "35% or 0.35", "20% to 40%", {None, "%"}, False, None),
    "growth": _Spec("a yearly growth factor", "2.3x/yr, 35%/yr or 0.38 OOM/yr",
                    "1.5x/yr to 3x/yr", {"x/yr", "%/yr", "oom/yr"}, False, None),
    "hours": _Spec("a number of hours", "2.79M h, 500 hours or 1e6 GPU-hours", "1M h to 5M h",
                   {None, "hours"}, True, "hours"),
}

_MAGNITUDES = {"K": 3, "M": 6, "B": 9, "T": 12, "Q": 15, "bn": 9, "tn": 12, "thousand": 3, "million": 6,
               "billion": 9, "trillion": 12, "quadrillion": 15}
_SUFFIXES = ("", "K", "M", "B", "T", "Q")

# Unit text after the number (lower case, per-year spellings reduced to "/yr") -> marker.
_UNITS = {word: marker for marker, words in {
    "%": "%", "x/yr": "x/yr ×/yr", "%/yr": "%/yr", "oom/yr": "oom/yr ooms/yr", "x": "x ×",
    "oom": "oom ooms", "tokens": "token tokens", "params": "param params parameter parameters",
    "flop": "flop flops", "hours": "h hour hours gpu-hour gpu-hours",
}.items() for word in words.split()} | {"gpu hour": "hours", "gpu hours": "hours"}
_MEANING = {
    None: "a bare number", "$": "money (USD)", "%": "a percentage",
    "x/yr": "a yearly growth factor", "%/yr": "a yearly growth rate",
    "oom/yr": "a yearly growth in orders of magnitude", "x": "a factor",
    "oom": "orders of magnitude", "tokens": "a token count", "params": "a parameter count",
    "flop": "an amount of compute in FLOP", "hours": "a number of hours",
}

_QUANTITY = re.compile(
    r"(?P<sign>[-+]?)(?P<dollar>\$?)"
    r"(?P<num>(?:(?:\d{1,3}(?:,\d{3})+|\d+(?:_\d+)*)(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)"
    r"\s*(?P<mag>(?:[KMBTQ]|bn|tn|(?i:thousand|million|billion|trillion|quadrillion))(?![A-Za-z]))?"
    r"\s*(?P<rest>.*)",
    re.ASCII | re.DOTALL,
)
_PER_YEAR = re.compile(r"\s*(?:/|\bper\b)\s*(?:yr|year)$")
_TO = re.compile(r"\s+to\s+", re.IGNORECASE)


def _fail(kind: str, value: object, hint: str = "") -> ValueError:
    spec = _SPECS[kind]
    message = f"expected {spec.what} such as {spec.examples}, got {value!r}"
    return ValueError(f"{message}; {hint}" if hint else message)


def _spec(kind: str) -> _Spec:
    if kind not in _SPECS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    return _SPECS[kind]


def _split(text: str, kind: str) -> tuple[Decimal, str | None, int]:
    """Split text into its number, unit marker and magnitude exponent [decades]."""
    match = _QUANTITY.fullmatch(text.strip())
    if match is None:
        hint = "write a negative amount as -$1M" if text.strip().startswith("$-") else ""
        raise _fail(kind, text, hint)
    rest = _PER_YEAR.sub("/yr", " ".join(match["rest"].casefold().split()))
    if rest and rest not in _UNITS:
        first = match["rest"].split()[0]
        hint = (f"magnitude suffixes are capital letters: K, M, B, T, Q (not {first!r})"
                if first in ("k", "m", "b", "t", "q") else f"unknown unit {match['rest']!r}")
        raise _fail(kind, text, hint)
    marker = _UNITS.get(rest)
    if match["dollar"]:
        if marker is not None:
            raise _fail(kind, text, f"'$' marks money and does not go with {match['rest']!r}")
        marker = "$"
    mag = match["mag"]
    exponent = _MAGNITUDES[mag if len(mag) <= 2 else mag.lower()] if mag else 0
    number = Decimal(match["sign"] + match["num"].replace(",", "").replace("_", ""))
    return number, marker, exponent


def _convert(number: Decimal | float, marker: str | None, exponent: int) -> float:
    """Value of a parsed number in the base unit of its marker (inf when out of range)."""
    try:
        if not isinstance(number, Decimal):  # a number YAML already parsed
            return float(number)
        if marker == "%":
            return float(number.scaleb(-2))
        if marker == "%/yr":
            return float(number.scaleb(-2) + 1)
        if marker == "oom/yr":
            return 10.0 ** float(number)
        return float(number.scaleb(exponent))
    except ArithmeticError:  # decimal.Overflow, OverflowError
        return math.inf


def parse_quantity(value: str | int | float, kind: Kind = "number") -> float:
    """Read a quantity as a planner writes it in a scenario file.

    Parameters
    ----------
    value : str, int or float
        Text such as ``"300T"``, ``"$4.6M"`` or ``"35%/yr"``, or a number YAML already
        parsed [unit of ``kind``, see the module docstring].
    kind : Kind, default "number"
        What the value measures; fixes the accepted spellings and the unit of the result.

    Returns
    -------
    float
        The value in the base unit of ``kind`` [count, FLOP, USD, 1, 1/yr or h].

    Raises
    ------
    ValueError
        If the value is not finite, out of range, or written for another kind; the message
        says what was expected, with an example, for readers who do not know Python.

    Examples
    --------
    >>> parse_quantity("300T", "tokens")
    300000000000000.0
    >>> parse_quantity("35%/yr", "growth"), parse_quantity("35%", "fraction")
    (1.35, 0.35)
    >>> parse_quantity("-$1M", "usd")
    -1000000.0
    """
    spec = _spec(kind)
    if isinstance(value, str):
        number, marker, exponent = _split(value, kind)
    elif isinstance(value, numbers.Real) and not isinstance(value, bool):
        number, marker, exponent = value, None, 0
    else:
        raise _fail(kind, value)
    result = _convert(number, marker, exponent)
    if not math.isfinite(result):
        if (isinstance(number, Decimal) and number.is_finite()) or isinstance(number, numbers.Integral):
            raise _fail(kind, value, "that overflows: numbers above about 1.8e308 cannot be held, "
                                     "check the exponent")
        raise _fail(kind, value, "the value must be a finite number of ordinary size")
    if marker not in spec.markers:
        hint = f"that is {_MEANING[marker]}, not {spec.what}"
        raise _fail(kind, value, hint + ("; write 1.35x/yr or 35%/yr" if kind == "growth" else ""))
    if exponent and not spec.magnitudes:
        raise _fail(kind, value, "K, M, B, T and Q are for counts and money")
    if spec.plural and result < 0:
        raise _fail(kind, value, f"{spec.plural} cannot be negative")
    if kind == "fraction" and not 0 <= result <= 1:
        if result < 0:
            hint = "a fraction cannot be negative"
        elif marker is None and result <= 100:
            hint = f"did you mean {value.strip() if isinstance(value, str) else f'{result:g}'}%?"
        else:
            hint = "a fraction cannot exceed 100%"
        raise _fail(kind, value, hint)
    if kind == "growth" and result <= 0:
        raise _fail(kind, value, "a growth factor must be above 0x/yr (a rate above -100%/yr)")
    return result + 0.0  # -0.0 -> 0.0


def parse_interval(text: str, kind: Kind = "number") -> tuple[float, float] | None:
    """Read an interval written ``"<low> to <high>"``, such as ``"100T to 1000T"``.

    Parameters
    ----------
    text : str
        The interval as written [unit of ``kind``]. Anything but a string holding ``to``
        (any case) between white space gives None, so a caller can fall back to one value.
    kind : Kind, default "number"
        What both ends measure, as in :func:`parse_quantity`.

    Returns
    -------
    tuple of float or None
        ``(low, high)`` in the base unit of ``kind``, ``low <= high``; None if no ``to``.

    Examples
    --------
    >>> parse_interval("100T to 1000T", "tokens")
    (100000000000000.0, 1000000000000000.0)
    >>> parse_interval("300T", "tokens") is None
    True
    """
    spec = _spec(kind)
    parts = _TO.split(text.strip()) if isinstance(text, str) else [text]
    if len(parts) == 1:
        return None
    example = f"expected an interval such as {spec.interval!r}, got {text!r}"
    if len(parts) != 2:
        raise ValueError(f"{example}; use 'to' once")
    try:
        low, high = parse_quantity(parts[0], kind), parse_quantity(parts[1], kind)
    except ValueError as err:
        message, _, hint = str(err).partition("; ")
        where = f"{message} (in the interval {text!r})"
        raise ValueError(f"{where}; {hint}" if hint else where) from None
    if low > high:
        raise ValueError(f"{example}; write the low end first")
    return low, high


def _round(d: Decimal, digits: int) -> Decimal:
    """d rounded to ``digits`` significant digits, half to even."""
    if not d:
        return d
    return d.quantize(Decimal((0, (1,), d.adjusted() - digits + 1)), rounding=ROUND_HALF_EVEN)


def _plain(d: Decimal) -> str:
    """Positional notation without trailing zeros: 1.40E+3 -> '1400', 2.50 -> '2.5'."""
    text = format(d, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


#: Counts are written with suffixes up to T (as Villalobos et al. 2024 write "3100T"); ``Q`` is read
#: but never written, because "4650Q" beside a quarter such as "2040Q4" misleads. From 1e17 on,
#: counts are written in scientific notation ("4.65e18").
_FORMAT_SUFFIXES = _SUFFIXES[:5]
_SCIENTIFIC_FROM = 17


def _suffixed(x: float, digits: int) -> str:
    d = _round(Decimal(repr(x)), digits)
    if d and d.adjusted() >= _SCIENTIFIC_FROM:
        return _scientific(x, digits)
    k = min(max(d.adjusted() // 3, 0), len(_FORMAT_SUFFIXES) - 1) if d else 0
    return _plain(d.scaleb(-3 * k)) + _FORMAT_SUFFIXES[k]


def _scientific(x: float, digits: int) -> str:
    d = _round(Decimal(repr(x)), digits)
    if not d:
        return "0"
    sign, figures, _ = d.normalize().as_tuple()
    text = "".join(map(str, figures))
    mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
    return f"{'-' if sign else ''}{mantissa}e{d.adjusted()}"


def _money(x: float, digits: int) -> str:
    sign, d = ("-" if x < 0 else ""), Decimal(repr(abs(x)))
    if d < 1000:  # cents, or more decimals when `digits` asks for them
        places = max(2, digits - 1 - d.adjusted()) if d else 2
        small = d.quantize(Decimal((0, (1,), -places)), rounding=ROUND_HALF_EVEN)
        if small < 1000:
            whole, _, decimals = format(small, "f").partition(".")
            return f"{sign}${whole}.{decimals[:2]}{decimals[2:].rstrip('0')}"
    text = _suffixed(abs(x), digits)
    if text.endswith(("B", "T")):  # "$4.2bn", "$9.5tn": never the count suffixes of tokens ("70B", "1.4T")
        text = text[:-1] + {"B": "bn", "T": "tn"}[text[-1]]
    return f"{sign}${text}"


_FORMATTERS = {
    "number": lambda x, n: f"{x:.{n}g}",
    "tokens": _suffixed,
    "params": _suffixed,
    "flop": _scientific,
    "usd": _money,
    "fraction": lambda x, n: _plain(_round(Decimal(repr(x)).scaleb(2), n)) + "%",
    "growth": lambda x, n: _plain(_round(Decimal(repr(x)), n)) + "x/yr",
    "hours": lambda x, n: _suffixed(x, n) + " h",
}


def format_quantity(value: float, kind: Kind = "number", digits: int = 3) -> str:
    """Write a quantity in the canonical text of its kind, which :func:`parse_quantity` reads.

    Parameters
    ----------
    value : float
        The quantity in the base unit of ``kind`` [unit of ``kind``], not range-checked;
        NaN and infinities are written ``nan``, ``inf`` and ``-inf``.
    kind : Kind, default "number"
        What the value measures.
    digits : int, default 3
        Significant digits kept [count], at least 1; 17 reproduces any float.

    Returns
    -------
    str
        Counts take the largest suffix with a mantissa of at least 1 (``1.4T``, ``70B``);
        money below $1000 keeps its cents (``$2.10``); see the module docstring.

    Examples
    --------
    >>> format_quantity(1.4e12, "tokens"), format_quantity(3.8e25, "flop")
    ('1.4T', '3.8e25')
    >>> format_quantity(2.1, "usd"), format_quantity(0.355, "fraction")
    ('$2.10', '35.5%')
    >>> format_quantity(1.04e6, "usd"), format_quantity(5e9, "usd"), format_quantity(9.5e12, "usd")
    ('$1.04M', '$5bn', '$9.5tn')
    """
    _spec(kind)
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 1:
        raise ValueError(f"digits must be a whole number of at least 1, got {digits!r}")
    x = float(value) + 0.0  # -0.0 -> 0.0
    if not math.isfinite(x):
        return str(x)
    return _FORMATTERS[kind](x, min(digits, 17))


_QUARTER = re.compile(r"(\d{4})\s*-?\s*[Qq]([1-4])", re.ASCII)


#: Month and day of the last day of each quarter.
_QUARTER_END = {1: "03-31", 2: "06-30", 3: "09-30", 4: "12-31"}


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter such as 2026Q4; models evaluate it at its end (:attr:`end_year`).

    Parameters
    ----------
    year : int
        Calendar year [yr], 0 to 9999.
    q : int
        Quarter within the year, 1 to 4 [1].

    Examples
    --------
    >>> Quarter.parse("2026-Q4") + 1, Quarter.parse("2024Q1").end_year
    (Quarter(year=2027, q=1), 2024.25)
    """

    year: int
    q: int

    def __post_init__(self) -> None:
        for name, val, low, high in (("year", self.year, 0, 9999), ("q", self.q, 1, 4)):
            whole = isinstance(val, numbers.Integral) and not isinstance(val, bool)
            if not (whole and low <= val <= high):
                raise ValueError(f"expected a quarter such as 2026Q4 (year 0 to 9999, quarter "
                                 f"1 to 4), got {name}={val!r}")
            object.__setattr__(self, name, int(val))

    @classmethod
    def parse(cls, text: str | Quarter) -> Quarter:
        """Read ``"2026Q4"``, ``"2026-Q4"`` or ``"2026 q4"``; a Quarter is returned as is."""
        if isinstance(text, Quarter):
            return text
        match = _QUARTER.fullmatch(text.strip()) if isinstance(text, str) else None
        if match is None:
            flipped = isinstance(text, str) and re.fullmatch(r"\s*[Qq][1-4]\W*\d{4}\s*", text)
            raise ValueError(f"expected a quarter such as 2026Q4, 2026-Q4 or 2026 Q4, got {text!r}"
                             + ("; write the year first" if flipped else ""))
        return cls(int(match[1]), int(match[2]))

    @property
    def ordinal(self) -> int:
        """Quarters since year 0 [quarter]: ``year * 4 + q - 1``."""
        return self.year * 4 + self.q - 1

    @classmethod
    def from_ordinal(cls, n: int) -> Quarter:
        """The quarter whose :attr:`ordinal` is ``n`` [quarter]."""
        year, index = divmod(n, 4)
        return cls(year, index + 1)

    @property
    def end_year(self) -> float:
        """The end of the quarter as a year [yr]: 2026Q4 -> 2027.0, 2024Q1 -> 2024.25."""
        return self.year + self.q / 4

    @property
    def end_date(self) -> str:
        """The last day of the quarter as an ISO date: 2026Q4 -> "2026-12-31"."""
        return f"{self.year:04d}-{_QUARTER_END[self.q]}"

    def __str__(self) -> str:
        return f"{self.year:04d}Q{self.q}"

    def __add__(self, n: int) -> Quarter:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            return NotImplemented
        return Quarter.from_ordinal(self.ordinal + int(n))
