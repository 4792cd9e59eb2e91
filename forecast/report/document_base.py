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

__all__ = ["ChartSections", "chart_spec", "draw", "figure", "quarter_of"]


def chart_spec(builder, *args, **kwargs) -> tuple:
    """A chart to draw: a builder of :mod:`forecast.report.charts` and its arguments (frames copied,
    so later changes to them do not reach the chart)."""
    copy = lambda v: v.copy() if isinstance(v, pd.DataFrame) else v  # noqa: E731
    return builder, tuple(copy(a) for a in args), {k: copy(v) for k, v in kwargs.items()}


def figure(spec: tuple):
    """The figure of one chart spec, with its source line when the spec carries one (a fourth item,
    added by :meth:`ChartSections._chart`). Build it inside :func:`forecast.report.charts.base.style`."""
    builder, args, kwargs = spec[:3]
    fig = builder(*args, **kwargs)
    if len(spec) > 3 and spec[3]:
        C.add_source(fig, spec[3])
    return fig


def draw(spec: tuple) -> bytes:
    """PNG bytes of one chart spec (runs in a worker process when charts are drawn in parallel)."""
    with C.style():
        return C.png_bytes(figure(spec))


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

    quarter: str

    def _chart(self, name: str, section: str, figure, title: str, caption: str, scenarios: list[str],
               frame: pd.DataFrame, images: dict[str, Any], source: str = "") -> None:
        """Record a chart; its source line names the model and the scenario files it draws, then
        ``source`` (the data files or publications beside them)."""
        line = self._source_line(scenarios, source)
        images[f"charts/{name}.png"] = (*figure[:3], line)
        self.data[name] = frame
        self.charts.append({"name": name, "section": section, "file": f"charts/{name}.png", "title": title,
                            "caption": caption, "data": f"data/{name}.csv", "scenarios": scenarios,
                            "source": line})

    def _styles(self) -> dict[str, dict]:
        """Scenario → line style, the same in every chart (:func:`forecast.report.charts.base.scenario_styles`),
        the baseline the strong one."""
        lead = self.baseline()  # type: ignore[attr-defined]
        return C.scenario_styles([r.name for r in self.runs], lead.name if lead is not None else None)

    def _titles(self) -> dict[str, str]:
        """Scenario id → the name readers see (its ``title:``, else the id), for charts' direct labels."""
        from forecast.report.sections import title_of

        return {r.name: title_of(r) for r in self.runs}

    def _source_line(self, scenarios: Sequence[str], extra: str = "") -> str:
        """``peakdata Monte Carlo model, quarterly report 2026Q4; scenarios/baseline.yaml; <extra>`` (the
        text after "Source: "; no version, so a release does not change a chart's bytes)."""
        named = {r.name: r for r in self.runs}
        files = [str(named[n].file.path) for n in scenarios if n in named]
        parts = [f"peakdata Monte Carlo model, quarterly report {self.quarter}" if files
                 else f"peakdata, quarterly report {self.quarter}"]
        if len(files) > 3:
            folders = sorted({str(Path(f).parent) for f in files})
            parts.append(f"{len(files)} scenario files in {', '.join(f + '/' for f in folders)}")
        elif files:
            parts.append(", ".join(files))
        if extra:
            parts.append(extra)
        return "; ".join(parts) + "."

    def _files(self, runs: Sequence[ScenarioRun]) -> str:
        return ", ".join(f"`{r.file.path}`" for r in runs)
