"""Load scenario YAML into plain data, keeping the file and line of every value.

Safe loading only (PyYAML's SafeLoader), with three deliberate changes:

* YAML 1.2 floats: ``3e14`` and ``1e-4`` load as numbers. PyYAML follows YAML 1.1 and reads them
  as strings (yaml/pyyaml#173); token counts are exactly what planners type that way.
* A guard against alias bombs ("billion laughs"): building the data visits at most
  ``MAX_NODES`` nodes, and the file may be at most ``MAX_BYTES`` long.
* Duplicate keys are an error instead of "last one wins".

``extends: other.yaml`` names a parent scenario (relative to the file); the child is deep-merged
over it (mappings merge key by key; lists and scalars replace) and every value keeps the file and
line that set it, so errors and reports point at the file a planner must edit.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from forecast.errors import Problem, ScenarioError

__all__ = ["Location", "LoadedYaml", "load_yaml", "load_scenario_data", "MAX_NODES", "MAX_BYTES"]

#: Largest number of YAML nodes a scenario may expand to (aliases count each time they are used).
MAX_NODES = 100_000
#: Largest scenario file accepted [bytes].
MAX_BYTES = 1_000_000

Path_ = tuple[Any, ...]


@dataclass(frozen=True)
class Location:
    """Where a value was written: file as named by the user, 1-based line and column."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass
class LoadedYaml:
    """Plain data from one or more YAML files with the location of every key.

    ``locations`` maps a path (tuple of keys and list indices) to where that key or item was
    written; ``files`` lists the files read, the requested file first, its ancestors after.
    """

    data: dict[str, Any]
    locations: dict[Path_, Location] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def locate(self, path: Path_) -> Location:
        """Location of ``path`` or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.locations:
                return self.locations[path]
            path = path[:-1]
        return self.locations.get((), Location(self.files[0] if self.files else "?", 1, 1))


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 style floats (``3e14`` is a number)."""


_FLOAT_12 = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?
    |[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
#: YAML's own spelling of infinity (``.inf``), as opposed to a number too large for a float.
_INFINITY = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:float"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_12, list("-+0123456789."))
# integers are still matched first by the int resolver, which comes earlier in the list
for _ch in list("-+0123456789"):
    _Loader.yaml_implicit_resolvers[_ch].sort(key=lambda pair: pair[0] != "tag:yaml.org,2002:int")


def _problem(file: str, mark: Any, message: str, hint: str = "", field_: str = "") -> Problem:
    line = mark.line + 1 if mark is not None else 0
    col = mark.column + 1 if mark is not None else 0
    return Problem(file, line, col, field_, message, hint)


class _Builder:
    """Turns a composed node tree into plain data, recording locations and counting nodes."""

    def __init__(self, loader: _Loader, file: str) -> None:
        self.loader = loader
        self.file = file
        self.nodes = 0
        self.locations: dict[Path_, Location] = {}
        self.problems: list[Problem] = []

    def _loc(self, node: yaml.Node) -> Location:
        return Location(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ScenarioError([_problem(self.file, node.start_mark,
                                          f"the document expands to more than {MAX_NODES:,} values",
                                          "remove repeated YAML aliases (*name)")])
        if isinstance(node, yaml.MappingNode):
            own = sum(1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge")
            self.loader.flatten_mapping(node)
            merged = len(node.value) - own  # flatten_mapping puts '<<' keys first; own keys win
            out: dict[Any, Any] = {}
            own_keys: set[Any] = set()
            for index, (key_node, value_node) in enumerate(node.value):
                key = self.loader.construct_object(key_node, deep=True)
                if not isinstance(key, (str, int, float, bool)) or key is None:
                    self.problems.append(_problem(self.file, key_node.start_mark,
                                                  "a key must be a plain word", "write key: value"))
                    continue
                key = str(key) if not isinstance(key, str) else key
                if index >= merged and key in out and key not in own_keys:
                    del out[key]  # an explicit key overrides one brought in by '<<: *anchor'
                if index >= merged:
                    own_keys.add(key)
                if key in out:
                    self.problems.append(_problem(
                        self.file, key_node.start_mark, f"key '{key}' appears twice",
                        "keep one of them", ".".join(map(str, path + (key,)))))
                    continue
                self.locations[path + (key,)] = self._loc(key_node)
                out[key] = self.build(value_node, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            items = []
            for i, item in enumerate(node.value):
                self.locations[path + (i,)] = self._loc(item)
                items.append(self.build(item, path + (i,)))
            return items
        value = self.loader.construct_object(node, deep=True)
        if isinstance(value, float) and math.isinf(value) and not _INFINITY.match(node.value):
            self.problems.append(_problem(self.file, node.start_mark, f"{node.value} overflows: numbers above "
                                          "about 1.8e308 cannot be held", "check the exponent",
                                          ".".join(map(str, path))))
        return value


def load_yaml(path: str | Path, display: str | None = None) -> LoadedYaml:
    """Read one YAML file (no ``extends`` resolution).

    Raises
    ------
    ScenarioError
        Missing or unreadable file, syntax error, duplicate keys, a top level that is not a
        mapping, or a document that is too large.
    """
    path = Path(path)
    file = display or str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError([Problem(file, 0, 0, "", "file not found",
                                     "check the path; scenarios live in scenarios/")]) from None
    except OSError as exc:
        raise ScenarioError([Problem(file, 0, 0, "", f"cannot read file: {exc.strerror}")]) from None
    if len(raw) > MAX_BYTES:
        raise ScenarioError([Problem(file, 0, 0, "", f"file is larger than {MAX_BYTES:,} bytes",
                                     "a scenario is a short text file")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem(file, 0, 0, "", f"not UTF-8 text (byte {exc.start})",
                                     "save the file as UTF-8")]) from None
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise ScenarioError([Problem(file, line, col, "", f"character {exc.character!r} is not allowed in YAML",
                                     "remove control characters; save the file as plain UTF-8 text")]) from None
    try:
        node = loader.get_single_node()
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")
                            and node.value in ("", "~", "null")):
            raise ScenarioError([Problem(file, 1, 1, "", "the file is empty",
                                         "start from scenarios/baseline.yaml")])
        if not isinstance(node, yaml.MappingNode):
            raise ScenarioError([_problem(file, node.start_mark,
                                          "the top level must be a mapping of key: value lines",
                                          "start from scenarios/baseline.yaml")])
        builder = _Builder(loader, file)
        data = builder.build(node, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        msg = f"YAML syntax error: {exc.problem or exc.context}"
        raise ScenarioError([_problem(file, mark, msg, _yaml_hint(exc))]) from None
    except yaml.reader.ReaderError as exc:
        raise ScenarioError([Problem(file, 0, 0, "", f"character {exc.character!r} is not allowed in YAML",
                                     "remove control characters; save the file as plain UTF-8 text")]) from None
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        raise ScenarioError([Problem(file, 0, 0, "", f"YAML error: {exc}")]) from None
    finally:
        loader.dispose()
    if builder.problems:
        raise ScenarioError(builder.problems)
    locations = dict(builder.locations)
    locations[()] = Location(file, node.start_mark.line + 1, node.start_mark.column + 1)
    return LoadedYaml(data, locations, [file])


def _yaml_hint(exc: yaml.MarkedYAMLError) -> str:
    problem = (exc.problem or "").lower()
    if "tab" in problem or "'\\t'" in problem:
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in problem:
        return "put quotes around a value that contains ': '"
    if "could not find expected ':'" in problem or "expected <block end>" in problem:
        return "check the indentation of this line and the one before"
    if "found undefined alias" in problem:
        return "define the anchor (&name) before using it (*name)"
    return "check quotes, colons and indentation near this line"


def _is_quantity(value: dict[str, Any]) -> bool:
    """A mapping that states an uncertain quantity (``dist:`` or ``value:``): it replaces, never merges."""
    return "dist" in value or "value" in value


def _merge(parent: LoadedYaml, child: LoadedYaml) -> LoadedYaml:
    """Deep-merge ``child`` over ``parent``; locations follow the value that wins.

    Mappings merge key by key, except where either side states a quantity (``dist:`` or
    ``value:``): then the child's value replaces the parent's whole, so a quantity's source never
    outlives its numbers; lists and scalars replace.
    """
    locations: dict[Path_, Location] = {}

    def take(src: LoadedYaml, prefix: Path_) -> None:
        n = len(prefix)
        for p, loc in src.locations.items():
            if p[:n] == prefix and len(p) >= n and p != ():
                locations[p] = loc

    def merge(p: Any, c: Any, path: Path_) -> Any:
        if isinstance(p, dict) and isinstance(c, dict) and not _is_quantity(c) and not _is_quantity(p):
            out = {}
            for key in list(p) + [k for k in c if k not in p]:
                sub = path + (key,)
                if key in c and key in p:
                    if sub in child.locations:
                        locations[sub] = child.locations[sub]
                    out[key] = merge(p[key], c[key], sub)
                elif key in c:
                    take(child, sub)
                    out[key] = c[key]
                else:
                    take(parent, sub)
                    out[key] = p[key]
            return out
        take(child, path)
        return c

    data = merge(parent.data, child.data, ())
    locations[()] = child.locations.get((), parent.locations.get((), Location("?", 1, 1)))
    return LoadedYaml(data, locations, child.files + parent.files)


def load_scenario_data(path: str | Path, display: str | None = None,
                       _stack: tuple[Path, ...] = ()) -> LoadedYaml:
    """Read a scenario file and every file it ``extends``, merged (child wins; a ``title`` is not
    inherited: it names one scenario).

    Raises
    ------
    ScenarioError
        Anything :func:`load_yaml` raises, an ``extends`` that is not a file name, a missing
        parent, or a cycle of ``extends``.
    """
    path = Path(path)
    resolved = path.resolve()
    doc = load_yaml(path, display)
    file = doc.files[0]
    if resolved in _stack:
        chain = " -> ".join(p.name for p in _stack + (resolved,))
        raise ScenarioError([Problem(file, doc.locate(("extends",)).line, doc.locate(("extends",)).col,
                                     "extends", f"extends forms a cycle: {chain}",
                                     "a scenario cannot extend itself, directly or through others")])
    parent_name = doc.data.pop("extends", None)
    if parent_name is None:
        return doc
    loc = doc.locate(("extends",))
    if not isinstance(parent_name, str) or not parent_name.strip():
        raise ScenarioError([Problem(file, loc.line, loc.col, "extends",
                                     "extends must name a scenario file", "extends: baseline.yaml")])
    parent_path = path.parent / parent_name
    if not parent_path.is_file():
        raise ScenarioError([Problem(file, loc.line, loc.col, "extends",
                                     f"parent scenario '{parent_name}' not found next to this file",
                                     "give a path relative to this file, e.g. extends: baseline.yaml")])
    if "name" not in doc.data:
        raise ScenarioError([Problem(file, loc.line, loc.col, "name",
                                     "a scenario that extends another needs its own name",
                                     "add name: my-variant")])
    parent_display = os.path.normpath(str(Path(file).parent / parent_name) if display else str(parent_path))
    parent = load_scenario_data(parent_path, parent_display, _stack + (resolved,))
    name = doc.data["name"]
    if isinstance(name, str) and name == parent.data.get("name"):
        where = doc.locate(("name",))
        set_at = parent.locate(("name",))
        raise ScenarioError([Problem(file, where.line, where.col, "name",
                                     f"'{name}' is also the name of its parent ({set_at.file}:{set_at.line}); "
                                     f"both write their outputs into a folder named {name}, so running this "
                                     "file would replace the parent's outputs",
                                     f"give this scenario its own name, e.g. name: {name}-variant")])
    doc.locations.pop(("extends",), None)
    if "title" not in doc.data:        # a title names one scenario: a variant without one shows its name
        parent.data.pop("title", None)
        parent.locations.pop(("title",), None)
    return _merge(parent, doc)
