"""What the document's chart sections share: a chart recorded with its numbers and caption, and a
chart to draw later (a builder and its arguments, drawn in :meth:`Document.build_charts
<forecast.report.document.Document.build_charts>`, possibly in worker processes)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from forecast.engine.runs import ScenarioRun
from forecast.outputs import format_headline
from forecast.report.charts import base as C

__all__ = ["ChartSections", "chart_spec", "draw", "quarter_of"]


def chart_spec(builder, *args, **kwargs) -> tuple:
    """A chart to draw: a builder of :mod:`forecast.report.charts` and its arguments (frames copied,
    so later changes to them do not reach the chart)."""
    copy = lambda v: v.copy() if isinstance(v, pd.DataFrame) else v  # noqa: E731
    return builder, tuple(copy(a) for a in args), {k: copy(v) for k, v in kwargs.items()}


def draw(spec: tuple) -> bytes:
    """PNG bytes of one chart spec (runs in a worker process when charts are drawn in parallel)."""
    builder, args, kwargs = spec
    with C.style():
        return C.png_bytes(builder(*args, **kwargs))


def quarter_of(value: float) -> str:
    """A decimal year at a quarter's end as the quarter (``2029.25`` → ``2029Q1``)."""
    return format_headline("exhaustion.p50", value)


class ChartSections:
    """Base of the document: the runs, the frames behind every chart and table, the charts' records."""

    runs: list[ScenarioRun]
    supply: list[ScenarioRun]
    cost: list[ScenarioRun]
    data: dict[str, pd.DataFrame]
    charts: list[dict[str, Any]]
    data_dir: Path
    trends: Any

    def _chart(self, name: str, section: str, figure, title: str, caption: str, scenarios: list[str],
               frame: pd.DataFrame, images: dict[str, Any]) -> None:
        images[f"charts/{name}.png"] = figure
        self.data[name] = frame
        self.charts.append({"name": name, "section": section, "file": f"charts/{name}.png", "title": title,
                            "caption": caption, "data": f"data/{name}.csv", "scenarios": scenarios})

    def _files(self, runs: Sequence[ScenarioRun]) -> str:
        return ", ".join(f"`{r.file.path}`" for r in runs)
