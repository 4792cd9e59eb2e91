"""Two scenarios side by side (``peakdata compare``): the inputs that differ, where each was set, and
each headline figure's move from A to B split between scenario inputs and data.

A *side* is a scenario file run now on ``data/`` (:func:`file_side`), or a scenario as archived in a
quarter's report run (:func:`archived_side`), with the ``data/`` files that run read. The split is
the one of "changes since last quarter" (:mod:`forecast.analysis.changes`): A plays last quarter and
B this quarter, so A's scenario is re-run on B's data and B's on A's when both inputs and data
differ (:func:`forecast.analysis.changes.split_moves`). An archived side written by another peakdata
version is re-run with this code first; for A the difference is shown as "from the model", for B
the re-run figures are shown (and a note says so).
Nothing here prints or writes outside a temporary folder; :mod:`forecast.report.compare` renders it.
"""
from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from forecast.analysis.changes import FileChange, HeadlineMove, as_run, data_changes, diff_scenarios, split_moves
from forecast.errors import ArchiveError, ForecastError
from forecast.outputs import headline

if TYPE_CHECKING:  # pragma: no cover
    from forecast.schema import Scenario

__all__ = ["Comparison", "InputDiff", "OnlyIn", "Side", "archived_side", "compare", "file_side"]


@dataclass(frozen=True)
class Side:
    """One scenario as compared: what it is, as run, on which data, with its headline figures.

    ``where`` maps a dotted input name to the ``file:line`` that set it; ``data`` the CSVs of
    ``data/`` it reads (name → content); ``quarter`` the archived quarter (``""``: run now).
    """

    label: str
    scenario: "Scenario"
    yaml_text: str
    seed: int
    samples: int
    data: dict[str, bytes]
    where: dict[str, str]
    headline: dict[str, float]
    version: str
    quarter: str = ""
    data_dir: Path | None = None
    all_data: dict[str, bytes] = dataclasses.field(default_factory=dict, repr=False)

    def at(self, name: str) -> str:
        """Where input ``name`` was set: its own entry, else the nearest enclosing key's."""
        parts = name.split(".")
        while parts:
            found = self.where.get(".".join(parts))
            if found:
                return found
            parts.pop()
        return "default" if not self.quarter else f"archived {self.quarter}"


@dataclass(frozen=True)
class InputDiff:
    """One input that differs: its text on each side (``None`` = not set) and where each was set."""

    input: str
    a: str | None
    b: str | None
    what: str
    a_at: str
    b_at: str


@dataclass(frozen=True)
class OnlyIn:
    """A section set on one side only (``side`` ``"A"`` or ``"B"``), e.g. ``cost`` when only B prices a
    run: its ``inputs`` inputs are not listed one by one; ``at`` is where its first one was set."""

    side: str
    section: str
    inputs: int
    at: str


@dataclass(frozen=True)
class Comparison:
    """A against B: inputs that differ (those of a section only one side has are summed up in
    ``only``), data rows that differ, and the headline moves A → B."""

    a: Side
    b: Side
    inputs: tuple[InputDiff, ...]
    data: tuple[FileChange, ...]
    moves: tuple[HeadlineMove, ...]
    notes: tuple[str, ...] = ()
    only: tuple[OnlyIn, ...] = ()


def _run(scenario: "Scenario", seed: int, samples: int, data_dir: Path | None) -> dict[str, float]:
    import forecast.engine as engine

    return headline(engine.run(scenario, seed=seed, samples=samples, data_dir=data_dir, outputs="headline"))


def _data_where(scenario: "Scenario", data_dir: Path | None, suffix: str = "") -> dict[str, str]:
    """``file:line`` of the inputs read from rows of ``data/``."""
    from forecast.io.inputs import collect_inputs

    return {name: item.set_at + suffix for name, item in collect_inputs(scenario, None, data_dir).items()
            if item.set_at.startswith("data/")}


def file_side(path: str | Path, samples: int | None = None, data_dir: Path | None = None) -> Side:
    """A scenario file run now on ``data/`` (``samples`` overrides the file's sample count).

    Raises
    ------
    ScenarioError
        The file's problems, each with file, line and field.
    """
    from forecast._version import __version__
    from forecast.engine.runs import resolved_yaml
    from forecast.io.display_paths import project_relative
    from forecast.io.references import data_files, reference_path
    from forecast.io.scenario import load_scenario

    item = load_scenario(project_relative(path), data_dir=data_dir)
    scenario = item.scenario
    where = {**item.provenance, **_data_where(scenario, data_dir)}
    if samples is not None:
        where["samples"] = "--samples"
    data = {name: reference_path(name, data_dir).read_bytes() for name in data_files(scenario)}
    figures = _run(scenario, scenario.seed, samples or scenario.samples, data_dir)
    return Side(item.path, scenario, resolved_yaml(item), scenario.seed, samples or scenario.samples, data,
                where, figures, __version__, data_dir=data_dir)


def archived_side(db_path: str | Path, name: str, quarter: str) -> Side:
    """Scenario ``name`` as archived in the latest full report run of ``quarter`` (the latest run of
    any kind when the quarter has no full run).

    Raises
    ------
    ArchiveError
        No archive, no run of that quarter, or no such scenario in it (naming the ones there are).
    """
    from forecast.store.archive import list_runs, load_run

    db_path = Path(db_path)
    if not db_path.is_file():
        raise ArchiveError(f"no run archive at {db_path} (run `peakdata report` first, or give --archive PATH)")
    run = load_run(db_path, quarter, full_only=True) or load_run(db_path, quarter)
    if run is None:
        quarters = sorted(set(list_runs(db_path)["quarter"]))
        raise ArchiveError(f"--quarter {quarter}: no report run of {quarter} in {db_path} "
                           f"(archived quarters: {', '.join(quarters) or 'none'})")
    stored = run.scenarios.get(name)
    if stored is None:
        import difflib

        close = difflib.get_close_matches(name, list(run.scenarios), n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else f"its scenarios: {', '.join(run.scenarios)}"
        raise ArchiveError(f"--quarter {quarter}: run {run.run} of {quarter} in {db_path} has no scenario "
                           f"'{name}' ({hint})")
    where = {key: f"{stored.path} (archived {quarter})" for key in ("seed", "samples")}
    return Side(f"{name} as archived in {quarter} (run {run.run})", stored.scenario(), stored.yaml_text,
                stored.seed, stored.samples, {f: run.data[f] for f in stored.files if f in run.data},
                where, dict(stored.headline), run.version, quarter=quarter, all_data=dict(run.data))


def _with_data(side: Side, other: Side, folder: Path) -> Side:
    """An archived side with its data written to ``folder`` (plus, unchanged, files only ``other``
    reads, so either scenario can run on it) and the data rows its inputs came from."""
    if not side.quarter:
        return side
    run_data = {**other.data, **side.all_data}
    for name, content in run_data.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    where = {**side.where, **_data_where(side.scenario, folder, f" ({side.quarter})")}
    return dataclasses.replace(side, data_dir=folder, where=where)


def _input_diffs(a: Side, b: Side) -> tuple[InputDiff, ...]:
    changes = as_run(a, b, diff_scenarios(a.yaml_text, b.yaml_text))
    return tuple(InputDiff(c.input, c.old, c.new, c.what, "–" if c.old is None else a.at(c.input),
                           "–" if c.new is None else b.at(c.input)) for c in changes)


def _set_names(side: Side) -> set[str]:
    """Dotted names of the inputs a side sets (a value, not null)."""
    import yaml

    from forecast.analysis.changes import _leaves

    leaves: dict = {}
    _leaves(yaml.safe_load(side.yaml_text) or {}, (), leaves)
    return {name for name, value in leaves.items() if value is not None}


def _line_key(at: str) -> tuple[str, int]:
    path, _, line = at.rpartition(":")
    return (path, int(line)) if line.isdigit() else (at, 0)


def _whole_sections(a: Side, b: Side, diffs: tuple[InputDiff, ...]) -> tuple[tuple[InputDiff, ...], tuple[OnlyIn, ...]]:
    """``diffs`` without the inputs of sections that only one side has, and those sections: the
    shortest dotted prefix of an input under which the other side sets nothing (a section, never a
    single input: ``supply.include`` set on one side only stays a row)."""
    names = {"A": _set_names(a), "B": _set_names(b)}
    groups: dict[tuple[str, str], list[InputDiff]] = {}
    rest = []
    for diff in diffs:
        side = "A" if diff.b is None else "B" if diff.a is None else ""
        parts = diff.input.split(".")
        other = names["B" if side == "A" else "A"]
        section = next((prefix for prefix in (".".join(parts[:i]) for i in range(1, len(parts)))
                        if not any(n == prefix or n.startswith(prefix + ".") for n in other)), None) \
            if side and diff.what == "value" else None
        if section is None:
            rest.append(diff)
        else:
            groups.setdefault((side, section), []).append(diff)
    only = tuple(OnlyIn(side, section, len(found),
                        min((d.a_at if side == "A" else d.b_at for d in found), key=_line_key))
                 for (side, section), found in sorted(groups.items()))
    return tuple(rest), only


def compare(a: Side, b: Side) -> Comparison:
    """A against B: inputs that differ (where each was set), data rows that differ, and each headline
    figure's move A → B split between inputs, data and (for another version's archive) the model."""
    from forecast._version import __version__

    with tempfile.TemporaryDirectory(prefix="peakdata-compare-") as tmp:
        a = _with_data(a, b, Path(tmp) / "a")
        b = _with_data(b, a, Path(tmp) / "b")
        inputs = _input_diffs(a, b)
        common = sorted(set(a.data) & set(b.data))
        files = data_changes({n: a.data[n] for n in common}, {n: b.data[n] for n in common}, a.label)
        notes: list[str] = []
        try:
            moves = _split(a, b, bool(inputs), bool(files), __version__, notes)
        except ForecastError as exc:
            notes.append(f"the moves are not split: a re-run on the other side's data failed ({exc})")
            moves = split_moves(a.headline, {}, {}, {}, b.headline)
        shown, only = _whole_sections(a, b, inputs)
    return Comparison(a, b, shown, files, moves, tuple(notes), only)


def _split(a: Side, b: Side, inputs_differ: bool, data_differ: bool, version: str,
           notes: list[str]) -> tuple[HeadlineMove, ...]:
    f_nn = b.headline
    if b.quarter and b.version != version:
        f_nn = _run(b.scenario, b.seed, b.samples, b.data_dir)
        notes.append(f"B was archived by peakdata {b.version}; its figures are re-run with {version}")
    if not inputs_differ and not data_differ:
        f_oo = f_on = f_no = f_nn
    else:
        f_oo = (_run(a.scenario, a.seed, a.samples, a.data_dir) if a.quarter and a.version != version
                else a.headline)
        if inputs_differ and data_differ:
            f_on = _run(a.scenario, a.seed, a.samples, b.data_dir)
            f_no = _run(b.scenario, b.seed, b.samples, a.data_dir)
        elif inputs_differ:
            f_on, f_no = f_oo, f_nn
        else:
            f_on, f_no = f_nn, f_oo
    return split_moves(a.headline, f_oo, f_on, f_no, f_nn)
