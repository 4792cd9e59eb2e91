"""Changes since last quarter: which headline figures moved, by how much, and why.

Compares this quarter's runs with the latest *full* run of an earlier quarter in the run archive
(:mod:`forecast.store.archive`): a partial report (a subset of the scenarios, or other samples,
:mod:`forecast.report.folders`) is never compared against, so a quick check of two scenarios does
not make the next quarter list the others as new. For a partial report itself, scenarios of the
full run it leaves out are not listed as removed. For every scenario run in both it lists

* the scenario inputs that changed, input by input, old → new (from the two resolved YAML texts);
* the CSVs of ``data/`` it reads that changed, row by row (added, changed, removed);
* each headline figure's move, split between the two causes by re-running the models: the stored
  old scenario on this quarter's data, and this quarter's scenario on the archived data. With
  ``f(scenario, data)`` a headline figure, ``o``/``n`` last and this quarter::

      from scenario inputs = ½ [(f(n, o) − f(o, o)) + (f(n, n) − f(o, n))]
      from data            = ½ [(f(o, n) − f(o, o)) + (f(n, n) − f(n, o))]

  the average of the two orders of making the changes (the Shapley value of the two factors), so
  the two parts add up to the whole move. When only one factor changed it takes the whole move and
  no extra run is made. When the archive was written by another peakdata version, the old scenario
  is also re-run on the old data, and the difference from the archived figure is shown as
  "from the model" (a change of code, not of inputs); the three parts then add up to the move.

Scenario "inputs" here are everything the models see: every value of the resolved scenario
(``extends`` merged, defaults filled), and the seed and samples as run (a report's ``--samples``
overrides the file's); ``name``, ``title`` and ``description`` are not inputs. Where each changed
input is set and the Monte Carlo noise of each move: :mod:`forecast.analysis.change_noise`.
Nothing here prints, renders or writes a file (a temporary folder holds the archived data files while
the old quarter's data is re-run); :mod:`forecast.report.changes` renders the result with the report's
template (``templates/changes.md.j2``).
"""
from __future__ import annotations

import csv
import io
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Sequence

from forecast.analysis.change_noise import figure_noise, located, locate
from forecast.errors import ForecastError
from forecast.store.archive import latest_before
from forecast.outputs import headline
from forecast.units import Quarter

if TYPE_CHECKING:  # pragma: no cover
    from forecast.engine.runs import ScenarioRun
    from forecast.schema import Scenario

__all__ = ["Changes", "FileChange", "HeadlineMove", "InputChange", "RowChange", "ScenarioChanges",
           "as_run", "changes_since", "data_changes", "diff_csv", "diff_scenarios", "figure_noise", "locate",
           "split_moves"]

#: Keys of a resolved scenario that are not model inputs.
_NOT_INPUTS = ("name", "title", "description")


@dataclass(frozen=True)
class InputChange:
    """One scenario input that differs: ``old``/``new`` in planners' words, ``None`` = not set;
    ``where``: the ``file:line`` that sets it this quarter (last quarter's file when it was removed,
    ``--samples`` for a report's sample count), not part of equality."""

    input: str
    old: str | None
    new: str | None
    what: Literal["value", "source", "note"] = "value"
    where: str = field(default="", compare=False)


@dataclass(frozen=True)
class RowChange:
    """One row of a CSV that was added, removed or changed.

    ``key`` names the row by its leading columns (as many as make it unique); ``line`` is its line
    in this quarter's file (last quarter's for a removed row); ``fields`` holds ``(column, old,
    new)`` of each changed cell.
    """

    change: Literal["added", "removed", "changed"]
    key: str
    line: int
    fields: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class FileChange:
    """A CSV of ``data/`` whose content differs between the two quarters."""

    file: str
    old_sha256: str | None
    new_sha256: str | None
    rows: tuple[RowChange, ...] = ()
    notes: tuple[str, ...] = ()

    def count(self, change: str) -> int:
        return sum(row.change == change for row in self.rows)


@dataclass(frozen=True)
class HeadlineMove:
    """One headline figure of a scenario, last quarter and now, and the parts of its move.

    ``total`` = ``new − old``; ``from_scenario + from_data + from_model == total`` (to rounding).
    The parts are ``None`` when a figure is not finite in one of the runs (after the horizon, or
    outside it) — the move is then stated, not split. ``noise``: the figure's Monte Carlo standard
    error in this quarter's run (module docstring), 0 when unknown.
    """

    key: str
    old: float
    new: float
    total: float | None
    from_scenario: float | None
    from_data: float | None
    from_model: float | None
    noise: float = 0.0

    @property
    def moved(self) -> bool:
        return not _same(self.old, self.new)

    @property
    def significant(self) -> bool:
        """Moved by more than the Monte Carlo noise (a figure entering or leaving the horizon always is)."""
        if not self.moved:
            return False
        if self.total is None or not math.isfinite(self.total):
            return True
        return abs(self.total) > self.noise


@dataclass(frozen=True)
class ScenarioChanges:
    """A scenario run in both quarters: what changed in it and what that did to its headline."""

    name: str
    old_hash: str
    new_hash: str
    inputs: tuple[InputChange, ...]
    data_files: tuple[str, ...]
    moves: tuple[HeadlineMove, ...]
    note: str = ""
    file: str = ""

    @property
    def moved(self) -> tuple[HeadlineMove, ...]:
        return tuple(move for move in self.moves if move.moved)

    @property
    def significant(self) -> tuple[HeadlineMove, ...]:
        """The moves larger than the Monte Carlo noise of the run."""
        return tuple(move for move in self.moves if move.significant)


@dataclass(frozen=True)
class Changes:
    """Everything that changed between the archived ``previous`` quarter (its run ``previous_run``)
    and ``quarter``."""

    quarter: str
    previous: str
    old_version: str
    new_version: str
    scenarios: tuple[ScenarioChanges, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]
    data: tuple[FileChange, ...]
    previous_run: int = 0

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.data
                    or any(s.inputs or s.moved for s in self.scenarios))


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


# --------------------------------------------------------------------------- scenario inputs


def _leaves(node: Any, path: tuple[str, ...], out: dict[str, Any]) -> None:
    """Flatten a dumped scenario: an uncertain input, a quarter or a list of plain values is one leaf;
    a list of mappings (``correlations``) is numbered, ``correlations.0.rank``."""
    if isinstance(node, dict) and "dist" not in node and set(node) != {"year", "q"}:
        for key, value in node.items():
            if not path and key in _NOT_INPUTS:
                continue
            _leaves(value, path + (str(key),), out)
    elif isinstance(node, list) and any(isinstance(item, dict) for item in node):
        for k, item in enumerate(node):
            _leaves(item, path + (str(k),), out)
    else:
        out[".".join(path)] = node


def _text(value: Any) -> str:
    from pydantic import TypeAdapter

    from forecast.schema.uncertain import Uncertain, describe

    if isinstance(value, dict) and "dist" in value:
        return describe(TypeAdapter(Uncertain).validate_python(value))
    if isinstance(value, dict) and set(value) == {"year", "q"}:
        return f"{value['year']}Q{value['q']}"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value) or "none"
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def diff_scenarios(old_yaml: str, new_yaml: str) -> tuple[InputChange, ...]:
    """Inputs that differ between two resolved scenarios (YAML as run), sorted by dotted name.

    An uncertain input is compared whole: a changed value or interval is shown as its description
    (``4x/yr to 5x/yr (90%)``); when only its ``source`` or ``note`` changed, those are shown.
    """
    import yaml

    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    _leaves(yaml.safe_load(old_yaml) or {}, (), old)
    _leaves(yaml.safe_load(new_yaml) or {}, (), new)
    changes = []
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        if a is None or b is None:
            changes.append(InputChange(name, None if a is None else _text(a), None if b is None else _text(b)))
            continue
        ta, tb = _text(a), _text(b)
        if ta != tb:
            changes.append(InputChange(name, ta, tb))
        elif isinstance(a, dict) and isinstance(b, dict):
            for part in ("source", "note"):
                if a.get(part) != b.get(part):
                    changes.append(InputChange(name, a.get(part) or "none", b.get(part) or "none", part))
    return tuple(changes)


# --------------------------------------------------------------------------- data files


def _parse_csv(content: bytes) -> tuple[list[str], list[str], list[tuple[int, list[str]]]]:
    """Comment lines, header and ``(line, cells)`` rows of a reference CSV."""
    text = content.decode("utf-8")
    lines = text.splitlines()
    skip = 0
    while skip < len(lines) and lines[skip].startswith("#"):
        skip += 1
    reader = csv.reader(io.StringIO("\n".join(lines[skip:])))
    header: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    for cells in reader:
        if not header:
            header = cells
            continue
        if cells:
            rows.append((skip + reader.line_num, cells))
    return lines[:skip], header, rows


def _key_width(columns: list[str], old: list[dict[str, str]], new: list[dict[str, str]]) -> int:
    """Fewest leading columns that tell every row apart in both files (0: none do)."""
    keys = [c for c in columns if c not in ("source", "note")]
    for width in range(1, len(keys) + 1):
        if all(len({tuple(r.get(c, "") for c in keys[:width]) for r in rows}) == len(rows) for rows in (old, new)):
            return width
    return 0


def diff_csv(old: bytes, new: bytes) -> tuple[tuple[RowChange, ...], tuple[str, ...]]:
    """Rows added, changed and removed between two versions of a reference CSV, and notes.

    Rows are matched on the fewest leading columns that identify each row in both versions
    (``component`` in text_stock.csv; ``accelerator, year, market`` in gpu_prices.csv); cells are
    compared as written. When no columns identify the rows, whole rows are compared, so a changed
    row shows as one removed and one added.
    """
    old_comments, old_header, old_rows = _parse_csv(old)
    new_comments, new_header, new_rows = _parse_csv(new)
    notes = []
    if old_comments != new_comments:
        notes.append("comment lines changed")
    gone = [c for c in old_header if c not in new_header]
    came = [c for c in new_header if c not in old_header]
    if gone:
        notes.append(f"columns removed: {', '.join(gone)}")
    if came:
        notes.append(f"columns added: {', '.join(came)}")
    common = [c for c in new_header if c in old_header]
    a = [dict(zip(old_header, cells)) for _, cells in old_rows]
    b = [dict(zip(new_header, cells)) for _, cells in new_rows]
    width = _key_width(common, a, b)
    keys = [c for c in common if c not in ("source", "note")][:width] if width else common

    def key(row: dict[str, str]) -> tuple[str, ...]:
        return tuple(row.get(c, "") for c in keys)

    old_by_key = {key(row): (line, row) for (line, _), row in zip(old_rows, a)}
    new_keys = set()
    out = []
    for (line, _), row in zip(new_rows, b):
        k = key(row)
        new_keys.add(k)
        label = ", ".join(k[:width] if width else k[:1])
        if k not in old_by_key:
            out.append(RowChange("added", label, line))
            continue
        before = old_by_key[k][1]
        fields = tuple((c, before.get(c, ""), row.get(c, "")) for c in common
                       if before.get(c, "") != row.get(c, ""))
        if fields:
            out.append(RowChange("changed", label, line, fields))
    for k, (line, row) in old_by_key.items():
        if k not in new_keys:
            out.append(RowChange("removed", ", ".join(k[:width] if width else k[:1]), line))
    return tuple(out), tuple(notes)


# --------------------------------------------------------------------------- attribution


def _run_headline(scenario: "Scenario", seed: int, samples: int, data_dir: Path) -> dict[str, float]:
    import forecast.engine as engine

    return headline(engine.run(scenario, seed=seed, samples=samples, data_dir=data_dir))


def split_moves(f_oo_archived: dict[str, float], f_oo: dict[str, float], f_on: dict[str, float],
                f_no: dict[str, float], f_nn: dict[str, float],
                noise: dict[str, float] | None = None) -> tuple[HeadlineMove, ...]:
    """Each headline figure's move from ``f_oo_archived`` (old scenario, old data, as stored) to ``f_nn``
    (new scenario, new data), split as the module docstring says: ``f_on`` is the old scenario on the
    new data, ``f_no`` the new scenario on the old data, ``f_oo`` the old run re-made with this code;
    ``noise`` the standard error of each figure (:func:`figure_noise`)."""
    out = []
    noise = noise or {}
    for key in [k for k in f_nn if k in f_oo_archived]:
        old, new = f_oo_archived[key], f_nn[key]
        values = (old, f_oo.get(key, math.nan), f_on.get(key, math.nan), f_no.get(key, math.nan), new)
        if not all(math.isfinite(v) for v in values):
            total = new - old if math.isfinite(old) and math.isfinite(new) else None
            out.append(HeadlineMove(key, old, new, total, None, None, None, noise.get(key, 0.0)))
            continue
        archived, oo, on, no, nn = values
        scenario = 0.5 * ((no - oo) + (nn - on))
        data = 0.5 * ((on - oo) + (nn - no))
        out.append(HeadlineMove(key, old, new, new - old, scenario, data, oo - archived, noise.get(key, 0.0)))
    return tuple(out)


def changes_since(db_path: str | Path, quarter: str | Quarter, runs: Sequence["ScenarioRun"],
                  data_dir: Path | None = None, partial: bool = False) -> Changes | None:
    """What changed between the latest full run of a quarter before ``quarter`` and these ``runs``.

    Parameters
    ----------
    db_path : path
        The run archive (``reports/archive.sqlite``).
    quarter : str or Quarter
        This report's quarter; the comparison is with the latest full run archived for a quarter
        before it (:func:`forecast.store.archive.latest_before`).
    runs : sequence of ScenarioRun
        This quarter's runs (:func:`forecast.engine.runs.run_scenarios`).
    data_dir : Path, optional
        The folder of reference CSVs the runs read (default: the project's ``data/``).
    partial : bool
        These runs are a partial report: scenarios they leave out are not "removed".

    Returns
    -------
    Changes or None
        ``None`` when no full run of an earlier quarter is archived.
    """
    from forecast._version import __version__
    from forecast.io.references import data_dir as default_data_dir
    from forecast.io.references import data_files

    when = Quarter.parse(quarter)
    before = latest_before(db_path, when)
    if before is None:
        return None
    from forecast.schema.types import resolve_inside

    new_dir = Path(data_dir or default_data_dir())
    new_files = {run.result.scenario: data_files(run.file.scenario) for run in runs}
    # this quarter's content of every file read now or last quarter (an old scenario re-run on the new
    # data reads the files it read then)
    names = sorted({name for used in new_files.values() for name in used} | set(before.data))
    inside = {name: resolve_inside(new_dir, name) for name in names}   # an edited archive names no file outside
    new_data = {name: path.read_bytes() for name, path in inside.items() if path is not None and path.is_file()}
    file_changes = data_changes(before.data, new_data, before.quarter)
    changed_files = {c.file for c in file_changes if c.old_sha256 is not None and c.new_sha256 is not None}
    new_version = ", ".join(sorted({run.result.version for run in runs})) or __version__
    rerun_old = before.version != new_version

    scenarios = []
    with tempfile.TemporaryDirectory(prefix="peakdata-archived-data-") as tmp:
        old_dir = Path(tmp)
        before.write_data(old_dir)
        for name, content in new_data.items():        # read now, not then: the same content both times
            if name not in before.data:
                (old_dir / name).parent.mkdir(parents=True, exist_ok=True)   # a CSV in a subfolder of data/
                (old_dir / name).write_bytes(content)
        for run in runs:
            name = run.result.scenario
            archived = before.scenarios.get(name)
            if archived is None:
                continue
            scenarios.append(_scenario_changes(run, archived, new_files[name], changed_files, old_dir, new_dir,
                                               rerun_old))
    now = {run.result.scenario for run in runs}
    return Changes(
        quarter=str(when), previous=before.quarter, old_version=before.version, new_version=new_version,
        scenarios=tuple(scenarios),
        added=tuple(run.result.scenario for run in runs if run.result.scenario not in before.scenarios),
        removed=() if partial else tuple(name for name in before.scenarios if name not in now),
        data=file_changes, previous_run=before.run)


def data_changes(old_data: dict[str, bytes], new_data: dict[str, bytes], old_label: str) -> tuple[FileChange, ...]:
    """The CSVs whose content differs between ``old_data`` and ``new_data`` (name → bytes), row by row;
    ``old_label`` names where the old files come from (a quarter) in the notes."""
    import hashlib

    out = []
    for name in sorted(set(old_data) | set(new_data)):
        old, new = old_data.get(name), new_data.get(name)
        old_hash = None if old is None else hashlib.sha256(old).hexdigest()
        new_hash = None if new is None else hashlib.sha256(new).hexdigest()
        if old_hash == new_hash:
            continue
        if old is None:
            out.append(FileChange(name, None, new_hash, (), (f"first read in this quarter; not archived in "
                                                             f"{old_label}",)))
        elif new is None:
            out.append(FileChange(name, old_hash, None, (), ("no longer in data/",)))
        else:
            rows, notes = diff_csv(old, new)
            out.append(FileChange(name, old_hash, new_hash, rows, notes))
    return tuple(out)


def as_run(archived: Any, result: Any, inputs: tuple[InputChange, ...]) -> tuple[InputChange, ...]:
    """``inputs`` with the seed and samples of ``archived`` and ``result`` as run (a report's ``--samples`` overrides the file's), not as written."""
    out = [change for change in inputs if change.input not in ("seed", "samples")]
    for name in ("seed", "samples"):
        old, new = getattr(archived, name), getattr(result, name)
        if old != new:
            out.append(InputChange(name, str(old), str(new)))
    return tuple(sorted(out, key=lambda change: change.input))


def _scenario_changes(run: "ScenarioRun", archived: Any, files_now: tuple[str, ...], changed_files: set[str],
                      old_dir: Path, new_dir: Path, rerun_old: bool) -> ScenarioChanges:
    from forecast.io.references import data_files

    result = run.result
    f_nn = headline(result)
    inputs = as_run(archived, result, diff_scenarios(archived.yaml_text, run.yaml_text))
    scenario_changed = (archived.scenario_hash != result.scenario_hash or archived.seed != result.seed
                        or archived.samples != result.samples)
    note = ""
    try:
        old_scenario = archived.scenario()
        used = sorted(set(files_now) | set(data_files(old_scenario)))
        data_changed = [name for name in used if name in changed_files]
        if not scenario_changed and not data_changed:
            f_oo = f_on = f_no = f_nn             # neither: any move is the model's (a code change)
        else:
            f_oo = (_run_headline(old_scenario, archived.seed, archived.samples, old_dir) if rerun_old
                    else archived.headline)
            if scenario_changed and data_changed:
                f_on = _run_headline(old_scenario, archived.seed, archived.samples, new_dir)
                f_no = _run_headline(run.file.scenario, result.seed, result.samples, old_dir)
            elif scenario_changed:                # the data did not change: f(·, new) = f(·, old)
                f_on, f_no = f_oo, f_nn
            else:                                 # the scenario did not change: f(new, ·) = f(old, ·)
                f_on, f_no = f_nn, f_oo
    except ForecastError as exc:
        used = sorted(set(files_now) & changed_files)
        data_changed = used
        note = f"the move is not split: a re-run on the other quarter's data failed ({exc})"
        nan: dict[str, float] = {}
        f_oo = f_on = f_no = nan
    inputs = located(inputs, run, archived)
    noise = figure_noise(result, archived.headline, f_nn)
    return ScenarioChanges(result.scenario, archived.scenario_hash, result.scenario_hash, inputs,
                           tuple(data_changed), split_moves(archived.headline, f_oo, f_on, f_no, f_nn, noise), note,
                           file=run.file.path)
