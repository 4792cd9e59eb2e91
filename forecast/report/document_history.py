"""The appendix chart of one scenario's headline across quarters: the baseline's median exhaustion
quarter with its 80% interval and P(exhausted by 2030) in the latest full report run of every earlier
archived quarter (:func:`forecast.store.archive.list_headlines`), then this report's (builder:
:mod:`forecast.report.charts.history`). With no earlier quarter archived, one line says so instead."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from forecast.outputs import format_headline, headline, headline_columns
from forecast.report.charts import history as HC
from forecast.report.document_base import ChartSections, chart_spec
from forecast.units import Quarter

__all__ = ["HISTORY_KEYS", "HistoryChart", "earlier_quarters"]

#: The headline figures the chart shows, in this order.
HISTORY_KEYS = ("exhaustion.p10", "exhaustion.p50", "exhaustion.p90", "exhaustion.by_2030")


def earlier_quarters(db_path: str | Path, quarter: str) -> pd.DataFrame:
    """Every scenario's headline in the latest full run of each archived quarter before ``quarter``
    (runs archived before schema 2 count as full, as in "changes since last quarter"): the rows of
    :func:`forecast.store.archive.list_headlines`, oldest quarter first; empty without an archive.
    Later quarters are left out, so a report written again gives the same bytes."""
    from forecast.store.archive import list_headlines

    runs = list_headlines(db_path)
    if runs.empty:
        return runs
    before = Quarter.parse(quarter).ordinal
    earlier = pd.Series([Quarter.parse(q).ordinal < before for q in runs["quarter"]], index=runs.index)
    runs = runs[earlier & runs["full"].fillna(True).astype(bool)]
    latest = runs.groupby("quarter", sort=False)["run"].transform("max")
    return runs[runs["run"] == latest].reset_index(drop=True)


class HistoryChart(ChartSections):
    """The appendix chart of the baseline's headline across quarters (module docstring)."""

    history: pd.DataFrame | None
    quarter: str
    archive_path: Any
    _history_context: dict[str, Any] | None = None

    def _headline_history(self, images: dict[str, Any]) -> None:
        base = self.baseline()
        if base is None:
            return
        archived = self.history if self.history is not None and len(self.history) else None
        records = [] if archived is None else archived[archived["scenario"] == base.name].to_dict("records")
        now = headline(base.result)
        rows = [{"quarter": row["quarter"], "run": int(row["run"]),
                 **{k: float(row.get(k, float("nan"))) for k in HISTORY_KEYS}} for row in records]
        rows.append({"quarter": self.quarter, "run": None, **{k: float(now.get(k, float("nan"))) for k in HISTORY_KEYS}})
        name = base.name
        if len(rows) == 1:
            self._history_context = {
                "scenario": name, "chart": None,
                "line": f"Only this quarter so far: no earlier quarter's full report is in the archive "
                        f"(`{self.archive_path}`), so the chart of {name}'s headline across quarters starts next quarter."}
            return
        frame = pd.DataFrame(rows)
        first, last = rows[0], rows[-1]
        a, b = (format_headline("exhaustion.p50", r["exhaustion.p50"]) for r in (first, last))
        moved = (f"median exhaustion held at {b}" if a == b else f"median exhaustion moved from {a} to {b}")
        title = f"{name}: {moved} between the {first['quarter']} and {last['quarter']} reports"
        if pd.notna(first["exhaustion.by_2030"]) and pd.notna(last["exhaustion.by_2030"]):
            pa, pb = (format_headline("exhaustion.by_2030", r["exhaustion.by_2030"]) for r in (first, last))
            title += f"; P(by 2030) held at {pb}" if pa == pb else f"; P(by 2030) {pa} → {pb}"
        subtitle = ("Per report: the latest full run archived for its quarter, then this report. Left: median "
                    "exhaustion quarter and 80% interval (p10–p90); right: P(exhausted by end of 2030).")
        shown = frame.assign(label=[f"{q}\n(this report)" if pd.isna(r) else q
                                    for q, r in zip(frame["quarter"], frame["run"])])
        fig = chart_spec(HC.headline_history_chart, shown, title, subtitle)
        chart_name = f"history_{name}"
        caption = (f"{name}'s headline figures in every quarterly report: archived runs from `{self.archive_path}` "
                   f"(run ids in the numbers; `peakdata history {name}` prints them), then this report's.")
        self._chart(chart_name, "history", fig, title, caption, [name], frame, images)
        self.data[chart_name] = _history_csv(frame, name)
        self._history_context = {"scenario": name, "chart": self.charts[-1], "line": None}

    def history_context(self) -> dict[str, Any] | None:
        """``{"scenario", "chart", "line"}``: the chart record, or (one quarter only) the line saying so;
        ``None`` without a supply scenario."""
        return self._history_context


def _history_csv(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """The chart's numbers as a spreadsheet reads them (docs/exports.md): scenario, quarter,
    quarter_end, run (archive run id; empty for this report), this_report (True/False), the headline
    columns (quarters with after-horizon flags, ``p_exhausted_by_2030``)."""
    from forecast.export.tables import with_quarter_end

    rows = []
    for row in frame.to_dict("records"):
        rows.append({"scenario": name, "quarter": row["quarter"], "run": row["run"],
                     "this_report": bool(pd.isna(row["run"])),
                     **headline_columns({k: row[k] for k in HISTORY_KEYS})})
    return with_quarter_end(pd.DataFrame(rows))
