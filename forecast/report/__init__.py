"""The quarterly report and the files of a run; call the package to build the report.

``forecast.report`` is this package, and calling it builds the quarterly report into a folder::

    import forecast
    out = forecast.report(["scenarios/baseline.yaml"], out="reports", quarter="2026Q4", samples=2000)
    out.folder                      # reports/2026Q4, with report.md, report.html, charts/, data/, ...

so ``forecast.report(...)`` and ``import forecast.report.quarterly`` name the same object. The call is
:func:`forecast.report.quarterly.build_report` with the defaults of ``peakdata report``; see
``_ReportPackage.__call__`` for its parameters.
"""
from __future__ import annotations

import numbers
import os
import sys
import types
from typing import TYPE_CHECKING, Callable, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from forecast.report.quarterly import ReportOutput


class _ReportPackage(types.ModuleType):
    """The ``forecast.report`` package, callable."""

    def __call__(self, scenarios: Sequence[str | os.PathLike[str]] | None = None,
                 out: str | os.PathLike[str] = "reports", quarter: str | None = None, *,
                 samples: int | None = None, compare: Sequence[str | os.PathLike[str]] | None = None,
                 archive: str | os.PathLike[str] | None = None,
                 template_dir: str | os.PathLike[str] | None = None,
                 trend_methods: Sequence[str] | None = None, data_dir: str | os.PathLike[str] | None = None,
                 workers: int | None = None,
                 progress: Callable[[str, int, int], None] | None = None) -> ReportOutput:
        """Run the scenarios and write the quarter's report folder, as ``peakdata report`` does.

        Parameters
        ----------
        scenarios : sequence of path-like, optional
            Scenario YAML files (default: every ``scenarios/*.yaml`` of the working folder, and then
            also the waterfalls of ``scenarios/compare/*.yaml`` unless ``compare`` is given).
        out : path-like, default "reports"
            Folder for reports; the report is written to ``out/<quarter>/``, swapped in whole.
        quarter : str, optional
            The quarter the report is for, e.g. ``"2026Q4"`` (default: today's). A label only: the
            numbers do not depend on it.
        samples : int, optional
            Monte Carlo samples for every scenario, 1 to 10,000,000 (default: each scenario's)
            [count].
        compare : sequence of path-like, optional
            Compare files (waterfalls) to add.
        archive : path-like, optional
            The run archive the report is recorded in and compared against (default:
            ``out/archive.sqlite``).
        template_dir : path-like, optional
            Folder of Jinja2 templates that override the shipped ones.
        trend_methods : sequence of str, optional
            Methods of "Trends behind the forecast" (``ols``, ``quantreg``, ``ets``, ``prophet``;
            default all four; an empty sequence leaves the section out).
        data_dir : path-like, optional
            Folder of reference CSVs (default: the project's ``data/``).
        workers : int, optional
            Processes to run scenarios in (default: the cores, at most 4); results do not depend
            on it [count].
        progress : callable, optional
            Called as ``progress(description, done, total)`` [steps].

        Returns
        -------
        ReportOutput
            ``folder`` (``out/<quarter>``), ``files`` written, ``runs`` (each scenario's
            ``ForecastResult``), ``waterfalls`` and the document's ``markdown``.

        Raises
        ------
        ScenarioError
            A scenario or compare file is invalid, none is given or found, ``samples`` is out of
            range or ``quarter`` is not a quarter.
        ExportError
            The folder cannot be written (nothing is half-written).
        """
        from pathlib import Path

        from forecast.errors import Problem, ScenarioError
        from forecast.report.quarterly import build_report, current_quarter
        from forecast.schema import MAX_SAMPLES
        from forecast.units import Quarter

        def refuse(name: str, message: str, hint: str) -> ScenarioError:
            return ScenarioError([Problem("forecast.report", 0, 0, name, message, hint)])

        if samples is not None and (isinstance(samples, bool) or not isinstance(samples, numbers.Integral)
                                    or not 1 <= samples <= MAX_SAMPLES):
            raise refuse("samples", f"must be a whole number from 1 to {MAX_SAMPLES:,}, got {samples!r}",
                         "e.g. samples=2000, or None for each scenario's")
        try:
            label = str(Quarter.parse(quarter)) if quarter is not None else current_quarter()
        except ValueError as exc:
            raise refuse("quarter", str(exc), "e.g. quarter='2026Q4'") from None
        paths = [Path(p) for p in scenarios or []]
        compares = [Path(p) for p in compare or []]
        if not paths:
            paths = sorted(Path("scenarios").glob("*.yaml"))
            if compare is None:
                compares = sorted(Path("scenarios/compare").glob("*.yaml"))
            if not paths:
                raise refuse("scenarios", "no scenarios given and no scenarios/*.yaml here",
                             "name the files to run")
        return build_report(paths, label, Path(out), samples=None if samples is None else int(samples),
                            template_dir=None if template_dir is None else Path(template_dir),
                            compare_paths=compares, data_dir=None if data_dir is None else Path(data_dir),
                            archive_path=None if archive is None else Path(archive), progress=progress,
                            workers=workers, trend_methods=trend_methods)


sys.modules[__name__].__class__ = _ReportPackage
