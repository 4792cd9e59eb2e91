"""``ForecastResult``: what one run of a scenario produced, with tidy pandas views.

Units: token metrics in tokens, fractions in [0, 1], ``ratio`` dimensionless (demand ÷ stock),
costs in USD. Quarters are pandas ``Period`` objects with frequency ``Q-DEC``; in CSV they are written
``2026Q4``. Event quarters are per-sample positions on the horizon; a sample that never meets the
condition is "after the horizon".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


__all__ = ["ForecastResult", "PointEstimate", "PROBABILITIES", "CENTRAL_80", "CENTRAL_90", "MEDIAN",
           "STAT_COLUMNS",
           "label", "quantiles"]

#: The probabilities every output reports, defined once for the whole package: per-quarter
#: statistics (summary.csv), exhaustion quarters (exhaustion.csv), cost tables, the inputs table and
#: the headline all take their levels from here [probability].
PROBABILITIES = (0.05, 0.10, 0.50, 0.90, 0.95)
#: The median.
MEDIAN = PROBABILITIES[2]
#: The 80% central interval and the median (cost tables, cheapest share, headline exhaustion).
CENTRAL_80 = (PROBABILITIES[1], MEDIAN, PROBABILITIES[3])
#: The 90% central interval and the median (the inputs table).
CENTRAL_90 = (PROBABILITIES[0], MEDIAN, PROBABILITIES[4])


def label(p: float) -> str:
    """Column name of a probability level: 0.1 → ``p10``."""
    return f"p{round(p * 100)}"


def quantiles(values: np.ndarray, levels: tuple[float, ...], method: str = "linear") -> dict[str, float]:
    """``{"p10": …, "p50": …}`` of ``values`` at ``levels`` (numpy's ``method``)."""
    return {label(p): float(q) for p, q in zip(levels, np.quantile(values, levels, method=method))}


STAT_COLUMNS = ("mean",) + tuple(label(p) for p in PROBABILITIES)


@dataclass(frozen=True)
class PointEstimate:
    """Every input at its median, evaluated once by the kernels of the Monte Carlo run.

    Attributes
    ----------
    scenario : str
        The scenario's name.
    quarters : tuple of str
        The horizon, ``("2024Q1", ...)`` (empty for a cost-only scenario).
    inputs : DataFrame
        One row per input the point model reads: ``input``, ``kind``, ``value`` (the median of its
        distribution, or the value passed in; base units), ``p5``, ``p95`` (of the distribution),
        ``distribution``, ``source``, ``set_at``.
    settings : DataFrame
        Fixed numbers the formulas need besides the inputs: reference years of data rows, the
        horizon, hardware peaks, the shares compared in ``mixes``, unit conversions (``name``,
        ``value``, ``unit``, ``source``, ``set_at``).
    series : dict
        Per-quarter paths, arrays of shape (quarters,): ``years`` (quarter end [yr]),
        ``usable.<component>``, ``stock``, ``demand.historical``, ``demand.compute``, ``demand``
        [tokens] (those the scenario has), and ``ratio``, ``synthetic_needed``, ``synthetic_share``
        as in ``stats``.
    exhaustion : str or None
        First quarter whose point demand ≥ point stock; None when it stays below in the horizon.
    scalars : dict
        Values that are not per quarter, name → value: ``repetition_multiplier`` [x]; for a cost
        scenario the items of ``cost_breakdown`` (``compute``, ``total``, ``gpu_hours``, ... in
        their units) and the prices behind them (``price_factor`` [ratio], ``usd_per_gpu_hour``
        [USD/GPU-hour], ``human_per_token``, ``expert_per_token``, ``generation_per_token``,
        ``verification_per_token`` [USD/token]).
    mixes : DataFrame
        The same run priced with each mix: the run's own mix first, then ``mixes`` shares
        (``mix``, ``synthetic_share``, ``expert_share``, ``human_tokens``, ``synthetic_tokens``
        [tokens], ``human_data``, ``expert_data``,
        ``synthetic_generation``, ``verification``, ``data``, ``compute``, ``total`` [USD]).
    methods : dict
        How the scenario computes what the formulas must follow: ``demand`` (historical, compute,
        mixture), ``compute`` (rental, amortised), ``synthetic_data`` (api, selfhosted) and
        ``mix.human``, ``mix.expert``, ``mix.synthetic`` (given, rest or none).
    """

    scenario: str
    quarters: tuple[str, ...]
    inputs: pd.DataFrame
    settings: pd.DataFrame
    series: dict[str, np.ndarray] = field(default_factory=dict)
    exhaustion: str | None = None
    scalars: dict[str, float] = field(default_factory=dict)
    mixes: pd.DataFrame | None = None
    methods: dict[str, str] = field(default_factory=dict)

    @property
    def values(self) -> dict[str, float]:
        """Input name → the value the point model used."""
        return dict(zip(self.inputs["input"], self.inputs["value"].astype(float)))


@dataclass(frozen=True)
class ForecastResult:
    """The outcome of :func:`forecast.engine.run`.

    Attributes
    ----------
    scenario, scenario_hash, seed, samples, version
        What was run: the scenario's name, SHA-256 of its validated content, the seed, the sample
        count and the peakdata version. Stamped into every output instead of a wall-clock time.
    quarters : tuple of str
        The horizon, ``("2024Q1", ...)``.
    stats : dict
        metric → array (quarters, 6): mean, p5, p10, p50, p90, p95.
    units : dict
        metric → unit.
    events : dict
        event → int32 array (samples,) of quarter positions; ``len(quarters)`` = after the horizon.
    inputs : DataFrame
        One row per uncertain input: name, unit kind, distribution, sample p5/p50/p95 (numbers in
        the kind's base unit: tokens, USD, fraction, factor/yr), source, note, set_at (file:line).
    tables : dict
        Other tidy tables a model adds (e.g. ``cost_breakdown``).
    notes : dict
        Extra facts (e.g. the fitted demand trend; ``data_files``: SHA-256 of each data/ CSV).
    point : PointEstimate or None
        The same scenario with every input at its median (see :func:`forecast.engine.point`).
    draws : dict
        Only with ``run(..., keep_samples=True)``: input name → array (samples,) of the drawn
        values [the kind's base unit], the same draws every model used. Empty otherwise.
    outcomes : dict
        Only with ``keep_samples=True``: outcome → array (samples,), e.g. ``cost.total`` [USD]
        per sample. (The exhaustion quarter per sample is ``events["exhaustion"]``.)
    """

    scenario: str
    scenario_hash: str
    seed: int
    samples: int
    version: str
    quarters: tuple[str, ...]
    stats: dict[str, np.ndarray] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    events: dict[str, np.ndarray] = field(default_factory=dict)
    inputs: pd.DataFrame | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    point: PointEstimate | None = None
    draws: dict[str, np.ndarray] = field(default_factory=dict)
    outcomes: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def stamp(self) -> str:
        """One line naming version, scenario, content hash, seed and samples."""
        return (f"peakdata {self.version}; scenario {self.scenario}; sha256 {self.scenario_hash[:16]}; "
                f"seed {self.seed}; samples {self.samples}")

    def _headline_rows(self) -> list[tuple[str, str, str, str]]:
        """(output, median, 80% interval, P(by end of horizon)) of each event and of the run's cost."""
        rows = []
        for name in self.events:
            low, mid, high = (self.event_quantile(name, p) for p in CENTRAL_80)
            rows.append((f"{name} quarter", mid, f"{low} – {high}", f"{self.event_probability(name):.0%}"))
        breakdown = self.tables.get("cost_breakdown")
        if breakdown is not None and (breakdown["item"] == "total").any():
            from forecast.units import format_quantity

            total = breakdown.loc[breakdown["item"] == "total"].iloc[0]
            low, mid, high = (format_quantity(float(total[label(p)]), "usd") for p in CENTRAL_80)
            rows.append(("cost of the run", mid, f"{low} – {high}", ""))
        return rows

    def _horizon(self) -> str:
        if not self.quarters:
            return "no horizon"
        first, last = self.quarters[0], self.quarters[-1]
        return first if first == last else f"{first}–{last}"

    def __repr__(self) -> str:
        """A few lines: what was run and its headline (the fields themselves run to megabytes)."""
        lines = [f"<ForecastResult {self.scenario!r}: {self.samples:,} samples, seed {self.seed}, "
                 f"{self._horizon()}"]
        for what, mid, interval, probability in self._headline_rows():
            by_end = f", P(by {self.quarters[-1]}) {probability}" if probability else ""
            lines.append(f"  {what}: median {mid}, 80% {interval}{by_end}")
        return "\n".join(lines) + ">"

    def _repr_html_(self) -> str:
        """The headline as a small HTML table, for Jupyter."""
        from html import escape

        rows = self._headline_rows()
        columns = ["output", "median", "80% interval"]
        if self.events:  # P(by the end) is a property of events: a cost-only run has none
            columns.append(f"P(by {self.quarters[-1]})")
        head = "".join(f"<th>{escape(c)}</th>" for c in columns)
        body = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row[:len(columns)]) + "</tr>"
                       for row in rows)
        caption = (f"<b>{escape(self.scenario)}</b>: {self.samples:,} samples, seed {self.seed}, "
                   f"{escape(self._horizon())}, peakdata {escape(self.version)}")
        return (f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table>")

    @property
    def period_index(self) -> pd.PeriodIndex:
        return pd.PeriodIndex(list(self.quarters), freq="Q")

    def metric(self, name: str) -> pd.DataFrame:
        """Statistics of one metric, indexed by quarter (``PeriodIndex``)."""
        return pd.DataFrame(self.stats[name], index=self.period_index, columns=list(STAT_COLUMNS))

    def summary(self) -> pd.DataFrame:
        """Tidy table: quarter, metric, unit, mean, p5, p10, p50, p90, p95.

        ``quarter`` holds pandas ``Period`` objects (frequency ``Q-DEC``); ``str()`` of one is the
        label written in CSV, ``2026Q4``. Statistics are in the metric's ``unit``.
        """
        frames = []
        periods = self.period_index
        for name, table in self.stats.items():
            frame = pd.DataFrame(table, columns=list(STAT_COLUMNS))
            frame.insert(0, "unit", self.units.get(name, ""))
            frame.insert(0, "metric", name)
            frame.insert(0, "quarter", periods)
            frames.append(frame)
        if not frames:
            return pd.DataFrame(columns=["quarter", "metric", "unit", *STAT_COLUMNS])
        return pd.concat(frames, ignore_index=True)

    def _label(self, position: int) -> str:
        return self.quarters[position] if position < len(self.quarters) else f"after {self.quarters[-1]}"

    def event_quantile(self, name: str, p: float) -> str:
        """Quarter by which a share ``p`` of samples has met the event (or "after <end>")."""
        position = int(np.quantile(self.events[name], p, method="inverted_cdf"))
        return self._label(position)

    def event_probability(self, name: str, quarter: str | None = None) -> float:
        """P(event by the end of ``quarter``); by the end of the horizon when omitted."""
        last = len(self.quarters) - 1 if quarter is None else self.quarters.index(quarter)
        return float(np.mean(self.events[name] <= last))

    def event_summary(self) -> pd.DataFrame:
        """One row per event: median quarter, 80% and 90% intervals, P(by end of horizon)."""
        tails = CENTRAL_80[::2] + CENTRAL_90[::2]               # p10, p90, then p5, p95
        rows = []
        for name in self.events:
            row = {"event": name, "median": self.event_quantile(name, MEDIAN)}
            row.update({label(p): self.event_quantile(name, p) for p in tails})
            rows.append({**row, "probability_by_end": self.event_probability(name)})
        return pd.DataFrame(rows, columns=["event", "median", *map(label, tails), "probability_by_end"])

    def event_cdf(self) -> pd.DataFrame:
        """Tidy cumulative probability curve: quarter, event, probability (by end of quarter)."""
        frames = []
        q = len(self.quarters)
        for name, first in self.events.items():
            counts = np.bincount(first, minlength=q + 1)[:q]
            frames.append(pd.DataFrame({"quarter": list(self.quarters), "event": name,
                                        "probability": np.cumsum(counts) / first.size}))
        if not frames:
            return pd.DataFrame(columns=["quarter", "event", "probability"])
        return pd.concat(frames, ignore_index=True)
