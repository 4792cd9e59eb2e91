"""A new scenario started from another: a short ``extends`` file (``peakdata new NAME --from SCENARIO``).

The file holds ``extends`` (the parent, relative to the new file), the new ``name``, a
``description`` to fill in (never the parent's: a copy that keeps "Paper result: median 2028" reads
as if it were still true) and, commented out, the inputs planners change most (:data:`MOST_EDITED`)
that the parent uses, each with its current value as it would be written, its unit and the
``file:line`` (or ``data/`` row) that set it. Uncommented, a line replaces the parent's value;
left as it is, the file runs the parent unchanged (same seed, same results) under its own name.
"""
from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import Any

from forecast.errors import Problem, ScenarioError
from forecast.outputs import UNIT_WORDS, input_unit
from forecast.units import format_quantity

__all__ = ["MOST_EDITED", "find_parent", "starter_text", "write_starter"]

#: Inputs written as commented examples, in this order, when the parent uses them (``*`` matches one
#: key): the growth and level of demand, the stock and its repetition, and a cost run's mix and prices.
MOST_EDITED = (
    "demand.historical.growth", "demand.historical.current_largest", "demand.compute.growth",
    "demand.compute.current_largest", "demand.historical_weight", "demand.*.overtraining",
    "supply.sources.*.stock", "supply.sources.*.growth", "supply.repetition.multiplier",
    "supply.repetition.epochs", "cost.run.mix.synthetic", "cost.run.params", "cost.run.tokens",
    "cost.compute.price_per_gpu_hour", "cost.compute.mfu",
)
#: At most this many examples [inputs].
MAX_EXAMPLES = 8
_SUFFIX = "\n"


def _problem(field: str, message: str, hint: str) -> ScenarioError:
    return ScenarioError([Problem("command line", 0, 0, field, message, hint)])


def find_parent(text: str | Path, folder: Path = Path("scenarios")) -> Path:
    """The parent scenario file: ``text`` as a path, or a bare name (``baseline``) as ``folder/<name>.yaml``."""
    path = Path(text)
    if path.is_file():
        return path
    guess = folder / f"{text}.yaml"
    if path.suffix == "" and guess.is_file():
        return guess
    import difflib

    known = sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []
    close = difflib.get_close_matches(path.stem, known, n=1, cutoff=0.6)
    hint = (f"did you mean '{close[0]}'?" if close else
            f"scenarios here: {', '.join(known)}" if known else "give the path of a scenario YAML file")
    raise _problem("--from", f"no scenario file {text}" + ("" if path.suffix else f" (nor {guess})"), hint)


def _yaml_value(spec: Any) -> list[str]:
    """The lines of a spec as a planner writes it (``value: 2 to 5`` with ``credibility: 95``, or
    ``dist:`` and its parameters), numbers in the input's unit."""
    kind = spec.kind

    def q(x: float) -> str:
        return format_quantity(x, kind, 6)

    dist = spec.dist
    if dist == "fixed":
        return [f"value: {q(spec.value)}"]
    if dist in ("lognormal", "normal", "beta") and spec.low is not None:
        lines = [f"value: {q(spec.low)} to {q(spec.high)}"] if dist != "beta" else \
            ["dist: beta", f"low: {q(spec.low)}", f"high: {q(spec.high)}"]
        return lines + ([f"credibility: {spec.credibility:g}"] if spec.credibility != 90 else [])
    if dist in ("lognormal", "normal", "beta"):
        names = {"lognormal": ("mu", "sigma"), "normal": ("mean", "sd"), "beta": ("alpha", "beta")}[dist]
        return [f"dist: {dist}"] + [f"{k}: {getattr(spec, k)!r}" for k in names]
    if dist == "uniform":
        return ["dist: uniform", f"low: {q(spec.low)}", f"high: {q(spec.high)}"]
    if dist in ("triangular", "pert"):
        return [f"dist: {dist}", f"low: {q(spec.low)}", f"mode: {q(spec.mode)}", f"high: {q(spec.high)}"]
    lines = ["dist: choice", f"values: [{', '.join(q(v) for v in spec.values)}]"]
    return lines + ([f"weights: [{', '.join(f'{w:g}' for w in spec.weights)}]"] if spec.weights else [])


def _chosen(inputs: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for pattern in MOST_EDITED:      # "*" stands for one key: as many dots as the pattern
        out += [name for name in inputs if name not in out and fnmatch.fnmatchcase(name, pattern)
                and name.count(".") == pattern.count(".")]
    return out[:MAX_EXAMPLES]


def _tree(names: list[str]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for name in names:
        node = root
        for part in name.split(".")[:-1]:
            node = node.setdefault(part, {})
        node[name.split(".")[-1]] = name
    return root


def _commented(node: dict[str, Any], inputs: dict[str, Any], scenario: Any, depth: int = 0) -> list[str]:
    from forecast.io.inputs import data_row_override

    pad = "  " * depth
    lines = []
    for key, child in node.items():
        if isinstance(child, dict):
            lines.append(f"# {pad}{key}:")
            lines += _commented(child, inputs, scenario, depth + 1)
            continue
        item = inputs[child]
        unit = input_unit(item.kind, child) if item.kind == "usd" else UNIT_WORDS.get(item.kind, item.kind)
        where = item.set_at or "the parent"
        lines.append(f"# {pad}# now {item.spec.text()} [{unit}], set at {where}")
        lines.append(f"# {pad}{key}:")
        lines += [f"# {pad}  {line}" for line in _yaml_value(item.spec)]
        lines.append(f'# {pad}  source: "where the new value comes from"')
        if item.set_at.startswith("data/"):
            for other, value in data_row_override(scenario, child, inputs).items():
                if other.rpartition(".")[0] == child.rpartition(".")[0] and value is None:
                    lines.append(f"# {pad}{other.rpartition('.')[2]}: null   # with {key} above: the value "
                                 f"replaces the row of {item.set_at.split(':')[0]}")
    return lines


def _title_hint(name: str) -> str:
    """A title to start from: the name in words (``my-view`` → ``My view``)."""
    words = " ".join(name.replace("_", " ").replace("-", " ").split())
    return words[:1].upper() + words[1:] if words else name


def starter_text(name: str, parent: Path, target: Path, scenario: Any, inputs: dict[str, Any]) -> str:
    """The text of the new file (module docstring): ``scenario`` the parent's, ``inputs`` as
    :func:`forecast.io.inputs.collect_inputs` gives them for it, ``target`` the file to write
    (``extends`` is relative to its folder)."""
    parent_name = scenario.name
    extends = Path(os.path.relpath(parent.resolve(), target.parent.resolve())).as_posix()
    chosen = _chosen(inputs)
    lines = [f"# {name}: started from {parent.name} with `peakdata new`. Everything not written here is",
             f"# {parent.name}'s. To change an input, uncomment its lines (and the section lines above it),",
             "# write the new value and its source; `peakdata validate` checks the file.",
             f"extends: {extends}",
             f"name: {name}",
             f'description: "TODO: what {name} changes from {parent_name}, and why"',
             f"# title: {_title_hint(name)}   # the name readers see in the report's text and charts "
             f"(without one: {name})"]
    if chosen:
        lines += ["", f"# The inputs changed most, with {parent_name}'s values:"]
        lines += _commented(_tree(chosen), inputs, scenario)
    return "\n".join(lines) + _SUFFIX


def write_starter(name: str, parent: Path, folder: Path | None = None, data_dir: Path | None = None) -> Path:
    """Write ``<folder>/<name>.yaml`` (default folder: the parent's) and return its path.

    Raises
    ------
    ScenarioError
        A name that is not a plain folder name (:func:`forecast.schema.types.output_name`), a file
        that exists already, another scenario of that folder with this name, or a parent that does
        not validate. Nothing is written then.
    """
    from forecast.io.inputs import collect_inputs
    from forecast.io.scenario import load_scenario, sibling_name_problem
    from forecast.schema.types import output_name

    try:
        output_name(name)
    except ValueError as exc:
        message, _, hint = str(exc).rpartition("; ")
        raise _problem("NAME", message or hint, hint if message else "e.g. my-view") from None
    item = load_scenario(parent, data_dir=data_dir)
    folder = parent.parent if folder is None else folder
    target = folder / f"{name}.yaml"
    if target.exists():
        raise _problem("NAME", f"{target} exists already",
                       f"choose another name, or edit {target} (peakdata new never overwrites a file)")
    if folder.exists() and not folder.is_dir():
        raise _problem("--out", f"{folder} is a file, not a folder", "give a folder for the new scenario")
    clash = sibling_name_problem(target, name)
    if clash is not None:
        raise _problem("NAME", clash.message, "choose another name")
    text = starter_text(name, parent, target, item.scenario,
                        collect_inputs(item.scenario, item.provenance, data_dir))
    folder.mkdir(parents=True, exist_ok=True)
    with open(target, "x", encoding="utf-8") as handle:   # "x": never replace a file made meanwhile
        handle.write(text)
    return target
