"""A scenario with some values changed by dotted name (``supply.repetition.epochs``), validated again.

Sweeps, goal-seek and ``--set`` change a validated scenario the way a child file with ``extends``
would: the scenario is dumped, each dotted key is set (intermediate mappings are created, so
``supply.sources.indexed_web.stock`` works where the stock came from ``data/``), and the result is
validated like a scenario file. A value is read as YAML would give it: ``4``, ``"3x/yr"``,
``"100T to 1000T"``, ``null`` (to remove a key), a mapping with ``dist:``, or an uncertain-input
object (``FixedSpec``) whose numbers are base units already.
"""
from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError

from forecast.errors import Problem, ScenarioError
from forecast.schema import Scenario
from forecast.schema.uncertain import FixedSpec, Uncertain, _Spec

__all__ = ["field_kind", "fixed", "parse_assignment", "value_at", "with_values"]


def _set(node: dict[str, Any], parts: list[str], value: Any, path: str) -> None:
    for part in parts[:-1]:
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            raise ScenarioError([Problem("--set", 0, 0, path, f"'{part}' holds a value, not a section",
                                         "name a key inside a section, e.g. supply.repetition.epochs")])
        node = child
    node[parts[-1]] = value


def with_values(scenario: Scenario, changes: dict[str, Any], label: str = "--set") -> Scenario:
    """``scenario`` with every dotted key of ``changes`` set, validated.

    Raises
    ------
    ScenarioError
        Every problem of the changed scenario, each naming the dotted field (``label`` as the file).
    """
    if not changes:
        return scenario
    from forecast.io.scenario import _undump, vocabulary

    data = scenario.model_dump(mode="json")
    data.pop("extends", None)
    for path, value in changes.items():
        _set(data, path.split("."), value, path)
    try:
        return Scenario.model_validate(_undump(data, TypeAdapter(Uncertain)))
    except ValidationError as exc:
        import difflib

        words = sorted(vocabulary())
        problems = []
        for err in exc.errors(include_url=False):
            field = ".".join(str(p) for p in err.get("loc", ()) if not str(p).startswith(("literal[", "function-")))
            message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
            hint = "see docs/scenarios.md for the keys and values allowed"
            if "; " in message:            # "message; hint", as the scenario loader reads it
                message, hint = message.rsplit("; ", 1)
            if err.get("type") == "extra_forbidden":
                key = str(err["loc"][-1])
                message = f"unknown key '{key}'"
                close = difflib.get_close_matches(key, words, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else hint
            problems.append(Problem(label, 0, 0, field, message, hint))
        raise ScenarioError(list(dict.fromkeys(problems))) from None


def value_at(scenario: Any, path: str) -> Any:
    """The value at a dotted path of a validated scenario (a spec, a number, a section), or None."""
    node: Any = scenario
    for part in path.split("."):
        if node is None:
            return None
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, (list, tuple)) and part.isdigit():
            node = node[int(part)] if int(part) < len(node) else None
        else:
            node = getattr(node, part, None)
    return node


def fixed(value: float, kind: str, source: str | None = None) -> FixedSpec:
    """A fixed input in base units (``kind`` as the field's): set by sweeps and goal-seek."""
    return FixedSpec(value=float(value), kind=kind, source=source)


def parse_assignment(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` of ``--set``, the value read as YAML (``null``, ``4``, ``3x/yr``)."""
    import yaml

    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError([Problem("--set", 0, 0, text, "expected KEY=VALUE",
                                     "e.g. --set supply.repetition.multiplier=null")])
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw.strip()
    return key, value


def is_spec(value: Any) -> bool:
    """True for an uncertain input (fixed or a distribution)."""
    return isinstance(value, _Spec)


def _unwrap(annotation: Any) -> list[Any]:
    """The types an annotation may hold, with ``Annotated`` metadata kept as ``(type, metadata)``."""
    import typing

    out, stack = [], [annotation]
    while stack:
        ann = stack.pop()
        origin = typing.get_origin(ann)
        if origin is typing.Annotated:
            out.append(ann)
        elif origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            stack.extend(typing.get_args(ann))
        else:
            out.append(ann)
    return out


def field_kind(path: str) -> str | None:
    """The unit kind of the uncertain input at a dotted scenario path (``tokens``, ``growth`` …), or None.

    Read from the schema, so it works for keys the scenario does not set yet
    (``supply.repetition.epochs`` → ``number``, ``supply.sources.books.stock`` → ``tokens``).
    """
    import typing

    from pydantic import BaseModel

    from forecast.schema.uncertain import UnitKind

    current: list[Any] = [Scenario]
    parts = path.split(".")
    for i, part in enumerate(parts):
        found: list[Any] = []
        for ann in current:
            if isinstance(ann, type) and issubclass(ann, BaseModel) and part in ann.model_fields:
                info = ann.model_fields[part]
                found.extend(_unwrap(info.annotation))
                if info.metadata:  # a required Annotated field: pydantic moves its metadata here
                    found.append(typing.Annotated[(info.annotation, *info.metadata)])
            elif typing.get_origin(ann) is dict:
                found.extend(_unwrap(typing.get_args(ann)[1]))
        if not found:
            return None
        if i == len(parts) - 1:
            for ann in found:
                if typing.get_origin(ann) is typing.Annotated:
                    for meta in typing.get_args(ann)[1:]:
                        if isinstance(meta, UnitKind):
                            return meta.kind
            return None
        current = found
    return None
