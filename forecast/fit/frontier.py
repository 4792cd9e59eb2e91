"""Sparse releases → a quarterly frontier, cut as of a quarter.

A *series* is a set of dated observations (model releases, price quotes, corpus releases), each
with the quarter it is dated in and, optionally, the quarter it became known (``published``).
:meth:`Observations.before` keeps only what was known before an ``as_of`` quarter, so a fit as of
2024Q2 sees rows dated (and published) in 2024Q1 or earlier, and nothing else.

Two frontier rules turn the releases into one value per quarter (in ``z = direction · log10``, so
that "better" is always "larger": larger datasets and compute, cheaper FLOP):

``record``
    the best value released so far (a running maximum of ``z``);
``top_k``
    the mean ``z`` (a geometric mean of values) of the ``k`` best releases in the trailing
    ``window`` quarters, ending with the quarter itself; a quarter without any release in its
    window carries the previous quarter's value.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from forecast.errors import FitError
from forecast.units import Quarter

__all__ = ["Observations", "FrontierRule", "FitInput", "quarterly_frontier", "fit_input"]


@dataclass(frozen=True)
class FrontierRule:
    """How releases become one frontier value per quarter (see the module docstring)."""

    rule: Literal["record", "top_k"] = "record"
    k: int = 3
    window: int = 8

    def __post_init__(self) -> None:
        if self.rule not in ("record", "top_k"):
            raise FitError(f"unknown frontier rule '{self.rule}' (record or top_k)")
        if self.k < 1 or self.window < 1:
            raise FitError("top_k needs k ≥ 1 and window ≥ 1 quarter")


@dataclass(frozen=True)
class Observations:
    """Dated positive observations of one quantity.

    Attributes
    ----------
    name, unit : str
        Series id (``dataset_tokens``) and unit of ``value`` (``tokens``).
    direction : int
        +1 if the frontier is the largest value (tokens, FLOP), −1 if the smallest (USD/FLOP).
    t : numpy.ndarray
        Decimal year of each row [yr].
    quarter : numpy.ndarray
        :attr:`forecast.units.Quarter.ordinal` of the quarter each row is dated in [quarter].
    known : numpy.ndarray
        Ordinal of the quarter each row became known (= ``quarter`` without a ``published`` date).
    value : numpy.ndarray
        The observation [unit].
    imputed : numpy.ndarray
        True where ``value`` was imputed (e.g. tokens from compute), not disclosed.
    label : tuple of str
        Row labels (model or accelerator names), for tables.
    """

    name: str
    unit: str
    direction: int
    t: np.ndarray
    quarter: np.ndarray
    known: np.ndarray
    value: np.ndarray
    imputed: np.ndarray
    label: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        n = len(self.t)
        for name in ("quarter", "known", "value", "imputed"):
            if len(getattr(self, name)) != n:
                raise FitError(f"series {self.name}: column {name} has {len(getattr(self, name))} rows, t has {n}")

    @property
    def z(self) -> np.ndarray:
        """``direction · log10(value)``: larger is better [log10 unit]."""
        return self.direction * np.log10(self.value)

    def take(self, mask: np.ndarray) -> "Observations":
        label = tuple(np.asarray(self.label, dtype=object)[mask]) if self.label else ()
        return Observations(self.name, self.unit, self.direction, self.t[mask], self.quarter[mask],
                            self.known[mask], self.value[mask], self.imputed[mask], label)

    def before(self, as_of: Quarter) -> "Observations":
        """Rows dated, and known, before ``as_of`` (quarter ordinal strictly smaller)."""
        o = Quarter.parse(as_of).ordinal
        return self.take((self.quarter < o) & (self.known < o))

    @property
    def latest(self) -> Quarter:
        """The quarter after the last dated row: the default ``as_of`` (everything known)."""
        if not len(self.quarter):
            raise FitError(f"series {self.name} has no rows")
        return Quarter.from_ordinal(int(max(self.quarter.max(), self.known.max())) + 1)

    def fingerprint(self) -> bytes:
        """Bytes that change whenever any row changes (for the fit cache)."""
        parts = [self.name.encode(), str(self.direction).encode()]
        for arr in (self.t, self.quarter, self.known, self.value, self.imputed):
            parts.append(np.ascontiguousarray(arr, dtype=float).tobytes())
        return b"|".join(parts)


def quarterly_frontier(obs: Observations, rule: FrontierRule, last: int) -> tuple[np.ndarray, np.ndarray]:
    """Quarter ordinals from the first row's quarter to ``last`` and the frontier ``z`` in each.

    Examples
    --------
    Releases of 10, 5 and 100 tokens in 2020Q1, 2020Q2 and 2020Q4: the record frontier is
    10, 10, 10, 100 (log10: 1, 1, 1, 2).

    >>> import numpy as np
    >>> q0 = Quarter(2020, 1).ordinal
    >>> obs = Observations("x", "tokens", 1, np.zeros(3), np.array([q0, q0 + 1, q0 + 3]),
    ...                    np.array([q0, q0 + 1, q0 + 3]), np.array([10.0, 5.0, 100.0]),
    ...                    np.zeros(3, bool))
    >>> quarterly_frontier(obs, FrontierRule("record"), q0 + 3)[1].tolist()
    [1.0, 1.0, 1.0, 2.0]
    """
    if not len(obs.quarter):
        return np.empty(0, dtype=np.int64), np.empty(0)
    first = int(obs.quarter.min())
    quarters = np.arange(first, last + 1, dtype=np.int64)
    z = obs.z
    if rule.rule == "record":
        best = np.full(quarters.size, -np.inf)
        np.maximum.at(best, (obs.quarter - first).astype(np.int64), z)
        return quarters, np.maximum.accumulate(best)
    out = np.empty(quarters.size)
    prev = np.nan
    for i, q in enumerate(quarters):
        inside = z[(obs.quarter <= q) & (obs.quarter > q - rule.window)]
        if inside.size:
            prev = float(np.sort(inside)[-rule.k:].mean())
        out[i] = prev
    return quarters, out


@dataclass(frozen=True)
class FitInput:
    """What every method sees, all in ``z = direction · log10(value)``.

    ``events_*`` are the individual releases (quantile regression), ``quarters``/``frontier`` the
    quarterly frontier up to the quarter before ``origin`` (ETS, Prophet, OLS on its steps).
    """

    series: str
    direction: int
    origin: int
    events_t: np.ndarray
    events_z: np.ndarray
    quarters: np.ndarray
    frontier: np.ndarray

    @property
    def steps_mask(self) -> np.ndarray:
        """Quarters where the frontier moved (the first quarter included)."""
        f = self.frontier
        return np.concatenate(([True], f[1:] != f[:-1])) if f.size else np.zeros(0, bool)

    def key(self) -> bytes:
        parts = [self.series.encode(), str(self.direction).encode(), str(self.origin).encode()]
        for arr in (self.events_t, self.events_z, self.quarters, self.frontier):
            parts.append(np.ascontiguousarray(arr, dtype=float).tobytes())
        return b"|".join(parts)


def fit_input(obs: Observations, as_of: Quarter, rule: FrontierRule) -> FitInput:
    """The data a fit as of ``as_of`` may use: rows known before it, frontier to ``as_of − 1``."""
    as_of = Quarter.parse(as_of)
    seen = obs.before(as_of)
    quarters, frontier = quarterly_frontier(seen, rule, as_of.ordinal - 1)
    return FitInput(obs.name, obs.direction, as_of.ordinal, seen.t.astype(float), seen.z,
                    quarters, frontier)
