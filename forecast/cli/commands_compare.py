"""``peakdata compare``: any two scenarios, or one scenario in two archived quarters, side by side."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from forecast.cli.common import fail, interrupted, make_console

__all__ = ["compare"]


def _scenario_path(text: str, which: str) -> Path:
    """A scenario argument as a file: a path, or the name of scenarios/NAME.yaml."""
    from forecast.errors import Problem, ScenarioError

    path = Path(text)
    if path.is_file():
        return path
    named = Path("scenarios") / f"{text}.yaml"
    if named.is_file():
        return named
    import difflib

    known = sorted(p.stem for p in Path("scenarios").glob("*.yaml"))
    close = difflib.get_close_matches(path.stem, known, n=1, cutoff=0.6)
    raise ScenarioError([Problem("command line", 0, 0, which, f"no scenario file '{text}' (nor {named})",
                                 f"did you mean '{close[0]}'?" if close else
                                 "give a scenario YAML file, or the name of one in scenarios/")])


def _archived_name(text: str) -> str:
    """The scenario name to look up in the archive: a file's ``name``, else the text itself."""
    path = Path(text)
    if not path.is_file():
        named = Path("scenarios") / f"{text}.yaml"
        path = named if named.is_file() else path
    if path.is_file():
        from forecast.io.yamlload import load_yaml

        name = load_yaml(path).data.get("name")
        if isinstance(name, str):
            return name
    return text


def _sides(a: str, b: Optional[str], quarters: List[str]):
    """``(A, B)`` arguments each with its quarter (``None``: the file, run now)."""
    from forecast.errors import Problem, ScenarioError
    from forecast.units import Quarter

    if len(quarters) > 2:
        raise ScenarioError([Problem("command line", 0, 0, "--quarter", f"{len(quarters)} quarters given",
                                     "give --quarter once for A, and a second time for B")])
    if b is None and not quarters:
        raise ScenarioError([Problem("command line", 0, 0, "B", "only one scenario and no --quarter",
                                     "give a second scenario, or --quarter Q1 --quarter Q2 to compare one "
                                     "scenario across two archived quarters")])
    labels = []
    for text in quarters:
        try:
            labels.append(str(Quarter.parse(text)))
        except ValueError as exc:
            raise ScenarioError([Problem("command line", 0, 0, "--quarter", f"{text}: {exc}",
                                         "e.g. --quarter 2026Q3")]) from None
    labels += [None] * (2 - len(labels))
    return (a, labels[0]), (b if b is not None else a, labels[1])


def compare(
    a: str = typer.Argument(..., metavar="A", help="Scenario YAML file, or the name of one in scenarios/."),
    b: Optional[str] = typer.Argument(None, metavar="B",
                                      help="Second scenario (default: A again, with --quarter)."),
    quarter: Optional[List[str]] = typer.Option(
        None, "--quarter", "-q", metavar="Q",
        help="Take a side as archived in quarter Q's report run instead of the file now: the first "
             "--quarter is A's, a second one B's (e.g. baseline --quarter 2026Q3 --quarter 2026Q4)."),
    markdown: bool = typer.Option(False, "--markdown", help="Print Markdown tables for pasting."),
    samples: Optional[int] = typer.Option(None, "--samples", "-n", min=1,
                                          help="Monte Carlo samples for a side run now (default: its file's)."),
    archive: Path = typer.Option(Path("reports") / "archive.sqlite", "--archive",
                                 help="The run archive that `peakdata report` writes (for --quarter)."),
) -> None:
    """Two scenarios side by side: the inputs that differ (each with the file:line that set it) and
    the headline moves from A to B (median exhaustion, its 80% interval, P(exhausted by 2030), p50
    cost), each split between scenario inputs and data as in the report's "changes since last
    quarter". A side is a file run now on data/, or with --quarter a scenario as archived then."""
    from forecast.analysis.compare import archived_side, compare as compare_sides, file_side
    from forecast.cli.render import print_frame
    from forecast.errors import ForecastError
    from forecast.report.compare import compare_markdown, compare_tables, only_lines, side_line
    from forecast.schema import MAX_SAMPLES

    if samples is not None and samples > MAX_SAMPLES:
        fail(ValueError(f"--samples {samples:,} is above the limit of {MAX_SAMPLES:,}"))
    try:
        specs = _sides(a, b, list(quarter or []))
        sides = [archived_side(archive, _archived_name(text), q) if q else
                 file_side(_scenario_path(text, which), samples) for (text, q), which in zip(specs, "AB")]
        comparison = compare_sides(*sides)
    except ForecastError as exc:
        fail(exc)
    except KeyboardInterrupt:
        interrupted(None)
    console = make_console()
    if markdown:
        typer.echo(compare_markdown(comparison), nl=False)
        return
    console.print(f"A  {side_line(comparison.a)}", markup=False)
    console.print(f"B  {side_line(comparison.b)}", markup=False)
    tables = compare_tables(comparison)
    only = only_lines(comparison)
    sections = [line for line in only if line.startswith("only in")]
    if len(tables["inputs"]):
        print_frame(console, tables["inputs"], f"Inputs that differ ({len(tables['inputs'])})")
    else:
        console.print("no other inputs differ" if sections else "no inputs differ", markup=False)
    for line in sections:
        console.print(line, markup=False)
    if len(tables["data"]):
        print_frame(console, tables["data"], "Data rows that differ")
    if len(tables["moves"]):
        print_frame(console, tables["moves"], "Headline, A → B")
    for line in only:
        if not line.startswith("only in"):
            console.print(line, markup=False)
    for note in comparison.notes:
        console.print(f"note {note}", markup=False)
