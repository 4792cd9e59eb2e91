"""Summaries of per-quarter rows of samples: exact quantiles by selection, without a sort.

The engine evaluates one contiguous row of ``n`` samples per quarter (layout quarters × samples)
and keeps only its mean and the quantiles in :data:`PROBABILITIES`, plus, for events, the first
quarter each sample meets the condition.

Quantiles are numpy's default ("linear", Hyndman & Fan type 7) and identical to
``np.quantile(row, PROBABILITIES)`` bit for bit: :func:`order_statistics` finds the order statistics
that method interpolates between with single-kth ``ndarray.partition`` calls on shrinking ranges
(numpy's multi-kth partition is several times slower than one single-kth call per rank), and
:func:`interpolate` repeats numpy's interpolation step. The mean is ``row.mean()`` taken before the
row is reordered, so it sums in the same order as before.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Sequence

import numpy as np

from forecast.result import PROBABILITIES

__all__ = ["PROBABILITIES", "Summariser", "order_statistics", "interpolate", "quantiles", "ranks"]


def ranks(n: int, probabilities: Sequence[float] = PROBABILITIES) -> list[int]:
    """Ranks (0-based positions in sorted order) that linear quantiles of ``n`` values read.

    >>> ranks(11, (0.05, 0.5))
    [0, 1, 5, 6]
    """
    return list(_ranks(int(n), tuple(float(p) for p in probabilities)))


@lru_cache(maxsize=64)
def _ranks(n: int, probabilities: tuple[float, ...]) -> tuple[int, ...]:
    out: set[int] = set()
    for vi in (n - 1) * np.asarray(probabilities, dtype=float):
        lo = int(np.floor(vi))
        if vi >= n - 1:
            out.add(n - 1)
        else:
            out.update((max(lo, 0), max(lo, 0) + 1))
    return tuple(sorted(out))


def order_statistics(row: np.ndarray, wanted: Sequence[int]) -> dict[int, float]:
    """Values of rank ``wanted`` in ``row`` (1-D, no NaN), reordering ``row`` in place.

    Partitions at the middle wanted rank, then recurses into the two sides with the ranks that
    fall there; a rank at the edge of its range is a ``min``/``max``, not a partition.

    >>> sorted(order_statistics(np.array([5.0, 1.0, 4.0, 2.0, 3.0]), [0, 2, 4]).items())
    [(0, 1.0), (2, 3.0), (4, 5.0)]
    """
    found: dict[int, float] = {}
    stack = [(0, row.size, sorted(set(wanted)))]
    while stack:
        lo, hi, ks = stack.pop()
        if ks and ks[0] == lo:
            found[lo] = float(row[lo:hi].min())
            ks = ks[1:]
        if ks and ks[-1] == hi - 1:
            found[hi - 1] = float(row[lo:hi].max())
            ks = ks[:-1]
        if not ks:
            continue
        k = ks[len(ks) // 2]
        part = row[lo:hi]
        part.partition(k - lo)
        found[k] = float(row[k])
        stack.append((lo, k, [r for r in ks if r < k]))
        stack.append((k + 1, hi, [r for r in ks if r > k]))
    return found


def interpolate(n: int, stats: dict[int, float], probabilities: Sequence[float] = PROBABILITIES,
                transform=None) -> np.ndarray:
    """numpy's "linear" quantiles of ``n`` values from their order statistics ``stats`` (rank → value).

    ``transform``, a non-decreasing function, is applied to the order statistics first: the
    quantiles of ``f(x)`` for monotone ``f`` read the same ranks as those of ``x``.
    Repeats ``numpy.lib._function_base_impl._lerp`` step for step so results agree bit for bit.
    """
    probs = np.asarray(probabilities, dtype=float)
    vi = (n - 1) * probs
    out = np.empty(probs.size)
    for j, v in enumerate(vi):
        if v >= n - 1:
            a = b = stats[n - 1]
        else:
            lo = max(int(np.floor(v)), 0)
            a, b = stats[lo], stats[lo + 1]
        if transform is not None:
            a, b = float(transform(a)), float(transform(b))
        a, b = np.float64(a), np.float64(b)
        # numpy's gamma: v − previous index, where the previous index of v ≥ n − 1 is −1
        t = np.float64(v - np.floor(v) if v < n - 1 else v + 1.0)
        diff = b - a
        out[j] = b - diff * (1 - t) if t >= 0.5 else a + diff * t
    return out


def quantiles(values: np.ndarray, probabilities: Sequence[float] = PROBABILITIES,
              overwrite: bool = False) -> np.ndarray:
    """``np.quantile(values, probabilities)`` (linear method) for a 1-D array, by selection.

    ``overwrite=True`` lets it reorder ``values`` instead of working on a copy. Rows holding NaN
    go to ``np.quantile`` itself (its NaN rules apply).

    >>> x = np.random.default_rng(1).lognormal(size=1001)
    >>> bool((quantiles(x) == np.quantile(x, PROBABILITIES)).all())
    True
    """
    row = np.asarray(values, dtype=float).ravel()
    if row.size == 0 or np.isnan(row.max()):
        return np.quantile(row, probabilities)
    if not overwrite:
        row = row.copy()
    return interpolate(row.size, order_statistics(row, ranks(row.size, probabilities)), probabilities)


@dataclass
class Summariser:
    """Per-quarter statistics of metrics and first-occurrence quarters of events.

    ``stats[metric]`` is a ``(quarters, 6)`` table (mean, then the quantiles in
    :data:`PROBABILITIES`); rows are written independently, so quarters may be summarised on
    several threads.
    """

    samples: int
    quarters: int
    stats: dict[str, np.ndarray] = field(default_factory=dict)  # metric -> (quarters, 6): mean + quantiles
    events: dict[str, np.ndarray] = field(default_factory=dict)  # event -> (samples,) int32

    def table(self, name: str) -> np.ndarray:
        """The statistics table of ``name`` (created on first use; create before threading)."""
        return self.stats.setdefault(name, np.full((self.quarters, 1 + len(PROBABILITIES)), np.nan))

    def add_row(self, name: str, quarter: int, row: np.ndarray, finite: bool = False) -> dict[int, float] | None:
        """Summarise one quarter's samples; ``row`` (contiguous, owned by the caller) is reordered.

        ``finite=True`` promises the row holds no NaN (skips one pass looking for it). Returns the
        order statistics found (rank → value), or None when the row held NaN.
        """
        table = self.stats[name]
        table[quarter, 0] = row.mean()
        if row.size == 0 or not finite and np.isnan(row.max()):
            table[quarter, 1:] = np.quantile(row, PROBABILITIES)
            return None
        stats = order_statistics(row, ranks(row.size))
        table[quarter, 1:] = interpolate(row.size, stats)
        return stats

    def add_zero_padded(self, name: str, quarter: int, row: np.ndarray, finite: bool = False) -> None:
        """Summarise a row of non-negative values, many of them zero: select among the positives.

        Zeros must be +0.0 (as ``np.maximum(x, 0.0)`` gives); ``row`` may be reordered.

        The quantiles of a row with ``z`` zeros read rank ``k`` as 0 for ``k < z`` and as rank
        ``k − z`` of the positive values otherwise, so this is identical to :meth:`add_row`; it is
        faster when zeros are at least a quarter of the row (before the event, most samples).
        """
        n = row.size
        z = n - int(np.count_nonzero(row))
        if z < n // 4:
            self.add_row(name, quarter, row, finite)
            return
        table = self.stats[name]
        table[quarter, 0] = row.mean()
        if not finite and np.isnan(row.max()):
            table[quarter, 1:] = np.quantile(row, PROBABILITIES)
            return
        want = ranks(n)
        stats = {k: 0.0 for k in want if k < z}
        if z < n:
            inner = order_statistics(row[row > 0], [k - z for k in want if k >= z])
            stats.update({k + z: v for k, v in inner.items()})
        table[quarter, 1:] = interpolate(n, stats)

    def add_derived(self, name: str, quarter: int, mean: float, stats: dict[int, float], transform) -> None:
        """Quantiles of ``transform(x)`` from the order statistics of ``x`` (``transform`` non-decreasing)."""
        table = self.stats[name]
        table[quarter, 0] = mean
        table[quarter, 1:] = interpolate(self.samples, stats, transform=transform)
