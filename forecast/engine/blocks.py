"""Evaluate (samples × quarters) metrics block by block, keeping memory bounded.

A block is a run of consecutive quarters. For each block a model returns metric arrays of shape
``(n, b)``; the summariser keeps only per-quarter statistics and, for events, the first quarter
each sample meets the condition. Peak memory is one ``n × b`` slab per metric, whatever the horizon.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from forecast.result import PROBABILITIES

__all__ = ["PROBABILITIES", "Summariser", "block_size"]

#: Elements per slab: 2M float64 = 16 MB per metric array.
_SLAB = 2_000_000


def block_size(samples: int, quarters: int) -> int:
    """Quarters per block so that one metric slab holds about ``_SLAB`` values."""
    return max(1, min(quarters, _SLAB // max(samples, 1)))


@dataclass
class Summariser:
    """Per-quarter statistics of metrics and first-occurrence quarters of events."""

    samples: int
    quarters: int
    stats: dict[str, np.ndarray] = field(default_factory=dict)  # metric -> (quarters, 6): mean + quantiles
    events: dict[str, np.ndarray] = field(default_factory=dict)  # event -> (samples,) int32

    def add_metric(self, name: str, start: int, values: np.ndarray) -> None:
        """Summarise ``values`` (n, b) for quarters ``start .. start + b``."""
        table = self.stats.setdefault(name, np.full((self.quarters, 1 + len(PROBABILITIES)), np.nan))
        b = values.shape[1]
        rows = np.ascontiguousarray(values.T)  # one contiguous row per quarter: faster reductions
        table[start:start + b, 0] = rows.mean(axis=1)
        table[start:start + b, 1:] = np.quantile(rows, PROBABILITIES, axis=1).T

    def add_event(self, name: str, start: int, condition: np.ndarray) -> None:
        """Record, per sample, the first quarter in which ``condition`` (n, b) holds.

        Samples that never meet it keep the value ``quarters`` ("after the horizon").
        """
        first = self.events.setdefault(name, np.full(self.samples, self.quarters, dtype=np.int32))
        hit = condition.any(axis=1)
        new = hit & (first == self.quarters)
        first[new] = start + condition[new].argmax(axis=1)
