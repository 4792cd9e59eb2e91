"""The ``peakdata`` command line: thin typer commands over the library.

The commands live in :mod:`forecast.cli.commands_run` (scenario files), :mod:`forecast.cli.commands_report`
(the quarterly report and its inputs), :mod:`forecast.cli.commands_compare` (two scenarios side by
side) and :mod:`forecast.cli.commands_analysis` (questions asked of the model), their shared handling
of errors and Ctrl-C in :mod:`forecast.cli.common`. Input errors (any
``ForecastError``) print a message and exit with code 2, never a traceback; ``--debug`` shows one.
Heavy libraries (pandas, statsmodels) are imported inside commands so that ``peakdata --help`` answers
at once.
"""
from __future__ import annotations

import os
import sys

#: One BLAS thread unless the user says otherwise: the trend fits do thousands of tiny matrix
#: operations, where OpenBLAS threads only spin against each other (ETS fits ran 9x slower on a
#: busy 2-core machine). Set before numpy is first imported; the Monte Carlo kernels are
#: elementwise and do not use BLAS threads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import typer  # noqa: E402

from forecast._version import __version__  # noqa: E402
from forecast.cli import commands_analysis, commands_compare, commands_report, commands_run  # noqa: E402
from forecast.cli.common import EXIT_INTERRUPTED, state  # noqa: E402

__all__ = ["app", "main"]

app = typer.Typer(
    name="peakdata",
    help="When does human-written text run out, and what does the way out cost? "
         "Seeded Monte Carlo forecasts from scenario YAML files.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"peakdata {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
    debug: bool = typer.Option(False, "--debug", help="Show a traceback on errors."),
) -> None:
    """Forecast the human-text stock against training-data demand, and the cost of data mixes."""
    state["debug"] = debug


def schema(
    kind: str = typer.Argument("scenario", metavar="KIND",
                               help="scenario (scenario files) or sweep (grid files of peakdata sweep)."),
) -> None:
    """Print the JSON Schema of scenario files, or of sweep grid files (for editors' YAML language servers)."""
    import json

    from forecast.cli.common import fail
    from forecast.errors import Problem, ScenarioError
    from forecast.schema import Scenario
    from forecast.schema.sweep import Sweep

    models = {"scenario": Scenario, "sweep": Sweep}
    if kind not in models:
        fail(ScenarioError([Problem("command line", 0, 0, "schema", f"unknown kind of file '{kind}'",
                                    "use scenario or sweep")]))
    typer.echo(json.dumps(models[kind].model_json_schema(), indent=2, sort_keys=True))


# The order of registration is the order of `peakdata --help`.
app.command()(commands_run.new)
app.command()(commands_run.validate)
app.command()(commands_run.run)
app.command()(commands_report.report)
app.command()(commands_run.cost)
app.command()(commands_run.export)
app.command()(commands_compare.compare)
app.command("published-runs")(commands_report.published_runs)
app.command()(commands_report.history)
app.command()(commands_report.trends)
app.command()(commands_analysis.sensitivity)
app.command()(commands_analysis.solve)
app.command()(commands_analysis.sweep)
app.command()(schema)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(EXIT_INTERRUPTED)


if __name__ == "__main__":  # pragma: no cover
    main()
