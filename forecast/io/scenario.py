"""Load and validate a scenario file: YAML → merged data → pydantic ``Scenario``.

Every problem is reported at once as ``file:line:col field: message (hint)``.
"""
from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from pydantic import BaseModel, ValidationError

from forecast.errors import DataError, Problem, ScenarioError
from forecast.io.inputs import (collect_inputs, correlation_matrix, correlation_name_problems,
                                stock_component_warnings)
from forecast.io.magnitudes import magnitude_warnings
from forecast.io.references import check_references
from forecast.io.yamlload import LoadedYaml, load_scenario_data, load_yaml
from forecast.models.sampling import correlated_uniforms
from forecast.schema import Scenario

__all__ = ["ScenarioFile", "duplicate_name_problems", "extends_parents", "load_resolved", "load_scenario",
           "scenario_hash", "sibling_name_problem", "validation_problems", "vocabulary"]


@dataclass(frozen=True)
class ScenarioFile:
    """A validated scenario with where each of its values was written.

    ``provenance`` maps a dotted field name (``supply.repetition.multiplier``) to ``file:line``.
    ``warnings`` are problems that do not stop a run (a non-text stock component, for instance);
    the CLI prints them.
    """

    scenario: Scenario
    path: str
    files: tuple[str, ...]
    provenance: dict[str, str] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()

    @property
    def sha256(self) -> str:
        return scenario_hash(self.scenario)


#: Optional keys added after scenarios were first archived (issue 17), as paths in the dumped
#: scenario: hashed only when set, so a scenario that does not use them keeps its earlier hash.
_LATER_KEYS = (("supply", "filter_yield"), ("supply", "dynamics"), ("gap",), ("demand", "compute", "limit"),
               ("cost", "synthetic_data", "unique_tokens"), ("cost", "synthetic_data", "decay_constant"),
               ("demand", "synthetic_choice"))


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the canonical JSON of a validated scenario (what the models see).

    Keys of :data:`_LATER_KEYS` left unset are left out of the JSON; so is ``title``, a label for
    readers that no model sees (a new or reworded title keeps the scenario's hash and its archive).
    """
    dumped = scenario.model_dump(mode="json")
    dumped.pop("title", None)
    for path in _LATER_KEYS:
        parent = dumped
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(parent, dict) and parent.get(path[-1], 0) is None:
            del parent[path[-1]]
    text = json.dumps(dumped, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _walk_models(model: type[BaseModel], seen: set[type]) -> None:
    if model in seen:
        return
    seen.add(model)
    for info in model.model_fields.values():
        stack = [info.annotation]
        while stack:
            ann = stack.pop()
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                _walk_models(ann, seen)
            stack.extend(getattr(ann, "__args__", ()) or ())
            stack.extend(getattr(ann, "__metadata__", ()) or ())
            origin = getattr(ann, "__origin__", None)
            if origin is not None and origin is not ann:
                stack.append(origin)


def vocabulary(model: type[BaseModel] = Scenario) -> set[str]:
    """Every key a scenario (or another file's ``model``, with its sub-models) may contain, for
    "did you mean ..."."""
    seen: set[type] = set()
    _walk_models(model, seen)
    if model is not Scenario:
        return {info.alias or name for m in seen for name, info in m.model_fields.items()}
    from forecast.schema import uncertain

    for spec in (uncertain.FixedSpec, uncertain.LogNormalSpec, uncertain.NormalSpec, uncertain.BetaSpec,
                 uncertain.UniformSpec, uncertain.TriangularSpec, uncertain.PertSpec,
                 uncertain.ChoiceSpec):
        seen.add(spec)
    words = {"extends", "p5", "p95", "lambda"}
    for each in seen:
        words.update(each.model_fields)
    words.discard("kind")
    return words


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[tuple[Any, ...], bool]:
    """The part of a pydantic ``loc`` that exists in the YAML data, and whether all of it does."""
    path: list[Any] = []
    node = data
    complete = True
    for part in loc:
        if isinstance(node, dict) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        else:
            complete = False
    return tuple(path), complete


def _problem_from_error(err: dict[str, Any], doc: LoadedYaml, words: set[str], guide: str) -> Problem:
    loc = tuple(err.get("loc", ()))
    path, complete = _data_path(doc.data, loc)
    where = doc.locate(path)
    kind = err.get("type", "")
    msg = str(err.get("msg", "invalid value"))
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    hint = ""
    field_name = ".".join(str(p) for p in path)
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else ""
        msg = f"unknown key '{key}'"
        close = difflib.get_close_matches(key, sorted(words), n=1, cutoff=0.6)
        if close and close[0] != key:
            hint = f"did you mean '{close[0]}'?"
        else:
            hint = f"this key does not belong here; see {guide} for the keys allowed"
    elif kind == "missing":
        missing = str(loc[-1]) if loc else "value"
        if not complete and missing not in ("lognormal", "normal"):
            field_name = ".".join(str(p) for p in path + (missing,))
        msg = f"missing required field '{missing}'"
        hint = f"add {missing}: ... (see {guide})"
    elif kind in ("int_parsing", "int_type", "float_parsing", "float_type", "int_from_float"):
        hint = "write a plain number"
    elif kind == "literal_error":
        hint = "check the spelling"
    elif "must be below high" in msg or "swap them" in msg:
        hint = "the first bound is the low end"
        msg = msg.replace(" — swap them", "")
    elif "; " in msg:
        msg, hint = msg.rsplit("; ", 1)
    return Problem(where.file, where.line, where.col, field_name, msg, hint)


def _drop_shadowed(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop "should be 'fit'"-style literal errors when the same field has a more useful error."""
    locs = [tuple(e.get("loc", ())) for e in errors]
    out = []
    for err, loc in zip(errors, locs):
        if err.get("type") == "literal_error":
            field = loc[:-1] if loc and isinstance(loc[-1], str) and loc[-1].startswith("literal[") else loc
            if any(other != loc and other[:len(field)] == field for other in locs):
                continue
        out.append(err)
    return out


def validation_problems(exc: ValidationError, doc: LoadedYaml, model: type[BaseModel] = Scenario,
                        guide: str = "docs/scenarios.md", extra: tuple[Problem, ...] = ()) -> list[Problem]:
    """The errors of validating ``doc.data`` as ``model`` (and ``extra`` problems found beside them),
    each at its ``file:line:col`` with a hint; ``guide`` is the page that documents the file's keys.
    In order: the requested file first, then by line and column."""
    words = vocabulary(model)
    problems = [_problem_from_error(e, doc, words, guide) for e in _drop_shadowed(exc.errors(include_url=False))]
    problems = list(dict.fromkeys(problems + list(extra)))
    problems.sort(key=lambda p: (p.file != doc.files[0], p.file, p.line, p.col))
    return problems


def _provenance(doc: LoadedYaml) -> dict[str, str]:
    out = {}
    for path, loc in doc.locations.items():
        if path:
            out[".".join(str(p) for p in path)] = f"{loc.file}:{loc.line}"
    return out


def load_scenario(path: str | Path, check_data: bool = True, data_dir: Path | None = None) -> ScenarioFile:
    """Read, merge (``extends``) and validate a scenario file.

    Parameters
    ----------
    path : str or Path
        The scenario file.
    check_data : bool
        Also check names that refer to rows of the CSVs in ``data/`` (components, accelerators).
    data_dir : Path, optional
        The folder of those CSVs (default: the project's ``data/``), as for ``engine.run``.

    Raises
    ------
    ScenarioError
        With every problem found, each naming file, line, column, field and a hint.
    """
    doc = load_scenario_data(path)
    try:
        scenario = Scenario.model_validate(doc.data)
    except ValidationError as exc:
        raise ScenarioError(validation_problems(exc, doc)) from None
    clash = sibling_name_problem(path, scenario.name, doc) if len(doc.files) > 1 else None  # a child (extends)
    if clash is not None:
        raise ScenarioError([clash])
    warnings: list[Problem] = []
    if check_data:
        problems = check_references(scenario, doc, data_dir) or check_inputs(scenario, doc, data_dir)
        if problems:
            raise ScenarioError(problems)
        if scenario.supply is not None:
            warnings = stock_component_warnings(scenario, data_dir, _locator(doc))
    warnings += magnitude_warnings(scenario, _locator(doc))
    return ScenarioFile(scenario, str(path), tuple(doc.files), _provenance(doc), tuple(warnings))


def extends_parents(files: Sequence[ScenarioFile]) -> dict[str, str]:
    """Scenario name → the name of the scenario it ``extends`` (its nearest ancestor), for each of
    ``files`` whose parent file is among them too (the workbook links a variant's inherited inputs to
    its parent's cells)."""
    import os

    def norm(path: str) -> str:
        return os.path.normcase(os.path.abspath(path))

    by_path = {norm(f.path): f.scenario.name for f in files}
    return {f.scenario.name: by_path[norm(f.files[1])] for f in files
            if len(f.files) > 1 and norm(f.files[1]) in by_path}


#: (resolved path, modification time, size) → the top-level ``name`` of a scenario file, or None.
_NAMES: dict[tuple[str, int, int], str | None] = {}


def _scenario_name(path: Path) -> str | None:
    """The ``name`` of a scenario file (one with ``horizon`` or ``extends``), or None for anything else
    (grid and compare files, files that are not YAML)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _NAMES:
        try:
            data = load_yaml(path).data
        except ScenarioError:
            data = {}
        name = data.get("name")
        _NAMES[key] = name if isinstance(name, str) and ("horizon" in data or "extends" in data) else None
    return _NAMES[key]


def sibling_name_problem(path: str | Path, name: str, doc: LoadedYaml | None = None) -> Problem | None:
    """A scenario file in the same folder as ``path`` with the same ``name``, as a problem at this file's
    ``name``: run alone, either would replace the other's outputs (``OUT/<name>/``). None if there is none."""
    path = Path(path)
    try:
        here = path.resolve()
        siblings = sorted(p for p in path.parent.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    except OSError:
        return None
    for other in siblings:
        if other.resolve() == here or _scenario_name(other) != name:
            continue
        where = doc.locate(("name",)) if doc is not None else None
        other_line = _name_line(other)
        return Problem(where.file if where else str(path), where.line if where else 0,
                       where.col if where else 0, "name",
                       f"'{name}' is also the name of {other}:{other_line}, in the same folder; "
                       f"both write their outputs into a folder named {name}, so running either replaces "
                       "the other's", "give each scenario its own name")
    return None


def _name_line(path: Path) -> int:
    try:
        return load_yaml(path).locate(("name",)).line
    except ScenarioError:
        return 0


def duplicate_name_problems(files: list[ScenarioFile]) -> list[tuple[ScenarioFile, Problem]]:
    """Scenarios run together that share a ``name`` (the later would overwrite the earlier's outputs).

    One ``(file, problem)`` pair for every file whose name an earlier file already has.
    """
    first: dict[str, ScenarioFile] = {}
    problems = []
    for item in files:
        name = item.scenario.name
        if name not in first:
            first[name] = item
            continue
        where = item.provenance.get("name", item.path)
        file, _, line = where.rpartition(":")
        earlier = first[name]
        problem = Problem(file or item.path, int(line or 0), 1 if line else 0, "name",
                          f"'{name}' is also the name of {earlier.path} (set at "
                          f"{earlier.provenance.get('name', earlier.path)}); both write their outputs into a "
                          f"folder named {name}, and the second would replace the first",
                          "give each scenario its own name")
        problems.append((item, problem))
    return problems


def _locator(doc: LoadedYaml):
    def locate(path: tuple) -> tuple[str, int, int]:
        loc = doc.locate(path)
        return loc.file or doc.files[0], loc.line, loc.col

    return locate


def _undump(node: Any, spec: Any) -> Any:
    """``model_dump(mode="json")`` form → what ``Scenario.model_validate`` accepts.

    A quarter ``{year, q}`` becomes ``2026Q4``; an uncertain input (a mapping with ``dist`` and its
    derived ``kind``) becomes its spec object, validated as dumped: its numbers are base units
    already and are not parsed again (a growth ``4.0`` would be refused as a bare number).
    """
    if isinstance(node, dict):
        if set(node) == {"year", "q"}:
            return f"{node['year']}Q{node['q']}"
        if "dist" in node and "kind" in node:
            return spec.validate_python(node)
        return {key: _undump(value, spec) for key, value in node.items()}
    if isinstance(node, list):
        return [_undump(value, spec) for value in node]
    return node


def load_resolved(text: str, label: str = "archived scenario") -> Scenario:
    """A scenario from its resolved YAML, ``yaml.safe_dump(scenario.model_dump(mode="json"))``.

    That text is what the report and the run archive store as "the scenario as run": ``extends``
    merged, defaults filled. Its quarters are dumped as ``{year, q}`` and every uncertain input
    carries its derived unit ``kind``; both are turned back into the file form before validation,
    so ``scenario_hash(load_resolved(text))`` equals the hash of the scenario that was dumped.

    Raises
    ------
    ScenarioError
        When the text is not a valid scenario (``label`` names it in the message).
    """
    import yaml
    from pydantic import TypeAdapter

    from forecast.schema.uncertain import Uncertain

    try:
        data = yaml.safe_load(text)
        return Scenario.model_validate(_undump(data, TypeAdapter(Uncertain)))
    except (yaml.YAMLError, ValidationError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ScenarioError([Problem(label, 0, 0, "", f"cannot be read back as a scenario: {first}",
                                     "it was written by another peakdata version; re-run that quarter")]) from None


def check_inputs(scenario: Scenario, doc: LoadedYaml, data_dir: Path | None = None) -> list[Problem]:
    """What ``run`` would reject once inputs are gathered: components without numbers, and
    correlations naming inputs that do not exist."""
    locate = _locator(doc)
    try:
        names = set(collect_inputs(scenario, _provenance(doc), data_dir, locate=locate))
    except ScenarioError as exc:
        return list(exc.problems)
    except DataError as exc:
        where = doc.locate(("supply", "include")) if scenario.supply is not None else doc.locate(("cost",))
        return [Problem(where.file, where.line, where.col, "supply.include" if scenario.supply else "cost",
                        str(exc).split("; ")[0], "give the missing value in the scenario (docs/scenarios.md)")]
    hist = scenario.demand.historical if scenario.demand is not None else None
    problems = correlation_name_problems(scenario.correlations, names, locate,
                                         fitted_growth=hist is not None and hist.growth == "fit",
                                         fitted_level=hist is not None and hist.level_from_fit)
    if scenario.correlations and not problems:
        problems += _check_correlation_matrix(scenario, doc)
    return problems


def _check_correlation_matrix(scenario: Scenario, doc: LoadedYaml) -> list[Problem]:
    names, matrix = correlation_matrix(scenario.correlations)
    try:
        correlated_uniforms(0, names, matrix, 1)
    except ValueError as exc:
        loc = doc.locate(("correlations",))
        message = str(exc).split(": ", 1)[-1] if str(exc).startswith("correlated_uniforms") else str(exc)
        message, _, hint = message.partition("; ")
        return [Problem(loc.file, loc.line, loc.col, "correlations", message,
                        hint or "the correlations contradict each other; lower them")]
    return []
