"""A scenario's uncertain inputs with their provenance: the scenario's own and those read from ``data/``.

Reading belongs to ``io``: the engine draws the inputs collected here (``forecast/engine/inputs.py``),
and ``validate`` uses the same collection to check names before anything is computed.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
from pydantic import BaseModel

from forecast.errors import DataError, Problem, ScenarioError
from forecast.io.references import read_reference, row_line
from forecast.schema import uncertain as U

__all__ = ["Input", "Locate", "collect_inputs", "correlation_matrix", "correlation_name_problems",
           "cost_data_inputs", "data_row_override", "provenance_locator", "stock_component_inputs", "stock_component_warnings"]


@dataclass(frozen=True)
class Input:
    """One named uncertain input: its spec, unit kind and where its value came from."""

    name: str
    spec: Any
    set_at: str

    @property
    def kind(self) -> str:
        return self.spec.kind


def _walk(obj: Any, path: tuple[str, ...], out: list[tuple[str, Any]]) -> None:
    if isinstance(obj, U._Spec):
        out.append((".".join(path), obj))
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            _walk(getattr(obj, name), path + (name,), out)
    elif isinstance(obj, dict):
        for key, value in obj.items():
            _walk(value, path + (str(key),), out)
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            _walk(value, path + (str(i),), out)


def _row_spec(row: Any, prefix: str, kind: str, what: str, file: str, line: int,
              columns: tuple[str | None, str | None, str | None] | None = None) -> Any:
    names = columns or (f"{prefix}_low", f"{prefix}_central", f"{prefix}_high")
    low, central, high = (row.get(name) if name else None for name in names)
    if _missing(central) and not _missing(low) and not _missing(high) and float(low) == float(high):
        central = low
    cred = row.get("credibility")
    common = {"kind": kind, "source": str(row["source"]),
              "note": None if _missing(row.get("note")) else str(row.get("note"))}
    if not _missing(low) and not _missing(high) and float(low) < float(high):
        dist = "lognormal" if float(low) > 0 else "normal"
        cls = U.LogNormalSpec if dist == "lognormal" else U.NormalSpec
        return cls(low=float(low), high=float(high),
                   credibility=90.0 if _missing(cred) else float(cred), **common)
    if not _missing(central):
        return U.FixedSpec(value=float(central), **common)
    raise DataError(f"data/{file}:{line}: '{row['component']}' has no {what}; "
                    f"give it in the scenario (see docs/scenarios.md)")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value == ""


#: ``locate(path)`` → ``(file, line, col)`` of a dotted scenario path such as ``("supply", "include", 1)``.
Locate = Callable[[tuple], "tuple[str, int, int]"]


def provenance_locator(provenance: dict[str, str] | None) -> Locate:
    """A ``locate`` from a loaded scenario's provenance (``file:line``, column 1 when known)."""
    provenance = provenance or {}

    def locate(path: tuple) -> tuple[str, int, int]:
        parts = [str(p) for p in path]
        where = ""
        while parts and not where:
            where = provenance.get(".".join(parts), "")
            parts.pop()
        file, _, line = where.rpartition(":") if where else ("", "", "0")
        return file or "scenario", int(line or 0), 1 if where else 0

    return locate


def _overlaps(row: dict[str, Any]) -> set[str]:
    value = row.get("overlaps")
    return set() if _missing(value) else set(str(value).split())


def stock_component_inputs(scenario: Any, data_dir: Path | None, locate: Locate | None = None) -> list[Input]:
    """Inputs for stock components taken from ``data/text_stock.csv`` (not set in the scenario).

    Raises
    ------
    ScenarioError
        With every problem at once: included components that overlap (column ``overlaps``), and
        every value the scenario must give because the row lacks it, each named by its YAML key.
    """
    locate = locate or provenance_locator(None)
    frame = read_reference("text_stock.csv", data_dir)
    supply = scenario.supply
    out: list[Input] = []
    problems: list[Problem] = []
    rows: dict[str, tuple[dict[str, Any], int]] = {}
    for i, component in enumerate(supply.include):
        matches = frame.index[frame["component"] == component]
        if not len(matches):
            raise DataError(f"text_stock.csv has no component '{component}'")
        rows[component] = (frame.loc[matches[0]].to_dict(), row_line(frame, matches[0]))
    for j, component in enumerate(supply.include):
        row, line = rows[component]
        for earlier in supply.include[:j]:
            if earlier in _overlaps(row) or component in _overlaps(rows[earlier][0]):
                problems.append(Problem(*locate(("supply", "include", j)), f"supply.include.{j}",
                                        f"{component} overlaps {earlier} (data/text_stock.csv:{line}, column "
                                        "overlaps): the same text would be counted twice",
                                        f"keep one of {earlier} and {component}; see Overlaps in data/README.md"))
    for j, component in enumerate(supply.include):
        row, line = rows[component]
        where = locate(("supply", "sources", component)) if component in supply.sources else \
            locate(("supply", "include", j))
        if _missing(row.get("reference_year")):
            problems.append(Problem(*where, f"supply.include.{j}",
                                    f"data/text_stock.csv:{line} has no reference_year for '{component}', so its "
                                    "stock cannot be placed in time",
                                    f"remove {component} from supply.include, or give its row in "
                                    "data/text_stock.csv a reference_year"))
        override = supply.sources.get(component)
        for field, prefix, kind in (("stock", "tokens", "tokens"), ("growth", "growth", "growth"),
                                    ("quality", "quality", "fraction")):
            if override is not None and getattr(override, field) is not None:
                continue
            if field == "quality" and supply.filter_yield is not None:
                continue  # supply.filter_yield stands in for every component's quality
            key = f"supply.sources.{component}.{field}"
            try:
                spec = _row_spec(row, prefix, kind, field, "text_stock.csv", line)
            except DataError:
                problems.append(Problem(*where, key, f"data/text_stock.csv:{line} has no {field} for '{component}'",
                                        f"add {key}: ... to the scenario; see docs/scenarios.md"))
                continue
            out.append(Input(key, spec, f"data/text_stock.csv:{line}"))
    if problems:
        raise ScenarioError(problems)
    return out


def stock_component_warnings(scenario: Any, data_dir: Path | None, locate: Locate) -> list[Problem]:
    """Included components that are not text (``group`` non_text), naming the conversion they assume."""
    frame = read_reference("text_stock.csv", data_dir).set_index("component")
    out = []
    for j, component in enumerate(scenario.supply.include):
        if component in frame.index and frame.loc[component, "group"] == "non_text":
            conversion = frame.loc[component, "conversion"]
            conversion = "an unstated conversion" if _missing(conversion) else str(conversion)
            out.append(Problem(*locate(("supply", "include", j)), f"supply.include.{j}",
                               f"{component} is not text: data/text_stock.csv counts it in text-token "
                               f"equivalents at {conversion}",
                               "a stock of human-written text leaves it out; keep it only if a model "
                               "reads that many tokens from it"))
    return out


def cost_data_inputs(scenario: Any, data_dir: Path | None) -> list[Input]:
    """Inputs of a cost section taken from ``data/``: a market's GPU price, an accelerator's price."""
    comp = scenario.cost.compute
    out = []
    fit = scenario.cost.quality.loss.fit
    if fit is not None:
        frame = read_reference("loss_fits.csv", data_dir)
        index = frame.index[frame["fit"] == fit]
        if not len(index):
            raise DataError(f"loss_fits.csv has no fit '{fit}'")
        row = frame.loc[index[0]]
        line = row_line(frame, index[0])
        for name in ("E", "A", "B", "alpha", "beta"):
            spec = U.FixedSpec(value=float(row[name]), kind="number", source=str(row["source"]),
                               note=f"fit {fit}")
            out.append(Input(f"cost.quality.loss.{name}", spec, f"data/loss_fits.csv:{line}"))
    if comp.method == "rental" and comp.market is not None:
        frame = read_reference("gpu_prices.csv", data_dir)
        rows = frame[(frame["accelerator"] == comp.accelerator) & (frame["market"] == comp.market)]
        if rows.empty:
            markets = sorted(set(frame.loc[frame["accelerator"] == comp.accelerator, "market"]))
            raise DataError(f"gpu_prices.csv has no {comp.market} price for {comp.accelerator} "
                            f"(markets with prices: {', '.join(markets) or 'none'}); "
                            "give cost.compute.price_per_gpu_hour instead")
        year = comp.price_reference.year
        earlier = rows[rows["year"] <= year]
        pick = (earlier if not earlier.empty else rows).sort_values("year").index[-1 if not earlier.empty else 0]
        row = frame.loc[pick].to_dict()
        line = row_line(frame, pick)
        spec = _row_spec({**row, "component": comp.accelerator}, "price", "usd", "price_per_gpu_hour",
                         "gpu_prices.csv", line, columns=("price_low_usd_per_hour", None,
                                                          "price_high_usd_per_hour"))
        out.append(Input("cost.compute.price_per_gpu_hour", spec, f"data/gpu_prices.csv:{line}"))
    if comp.method == "amortised" and comp.amortised.chip_price is None:
        frame = read_reference("hardware.csv", data_dir)
        index = frame.index[frame["accelerator"] == comp.accelerator]
        if len(index):
            row = frame.loc[index[0]].to_dict()
            line = row_line(frame, index[0])
            spec = _row_spec({**row, "component": comp.accelerator}, "purchase_price", "usd", "chip_price",
                             "hardware.csv", line, columns=("purchase_price_low_usd", "purchase_price_usd",
                                                            "purchase_price_high_usd"))
            out.append(Input("cost.compute.amortised.chip_price", spec, f"data/hardware.csv:{line}"))
    return out


def data_row_override(scenario: Any, name: str, inputs: dict[str, Input]) -> dict[str, Any]:
    """What else to set, by dotted key, so that a value given for the data-row input ``name`` replaces
    its row of ``data/`` (a scenario may not name a market and give a price, nor a loss fit and some of
    its constants): ``{"cost.compute.market": None}`` for a GPU price; for one constant of a loss fit,
    ``fit`` removed and the other four set to the row's values. Empty for the others (a component's
    stock, growth or quality, an accelerator's price), which the scenario's value simply replaces."""
    if name == "cost.compute.price_per_gpu_hour":
        return {"cost.compute.market": None}
    if name.startswith("cost.quality.loss.") and scenario.cost.quality.loss.fit is not None:
        others = {key: item.spec for key, item in inputs.items()
                  if key.startswith("cost.quality.loss.") and key != name}
        return {"cost.quality.loss.fit": None, **others}
    return {}


def collect_inputs(scenario: Any, provenance: dict[str, str] | None,
                   data_dir: Path | None = None, locate: Locate | None = None) -> dict[str, Input]:
    """Every uncertain input of a scenario by dotted name, with the file:line that set it.

    ``locate`` places problems in the scenario's files (default: from ``provenance``).
    """
    provenance = provenance or {}
    found: list[tuple[str, Any]] = []
    for section in ("supply", "demand", "cost", "mixes", "gap"):
        value = getattr(scenario, section)
        if value is not None:
            _walk(value, (section,), found)
    inputs = {name: Input(name, spec, provenance.get(name, "")) for name, spec in found}
    if scenario.supply is not None:
        for item in stock_component_inputs(scenario, data_dir, locate or provenance_locator(provenance)):
            inputs[item.name] = item
    if scenario.cost is not None:
        for item in cost_data_inputs(scenario, data_dir):
            inputs[item.name] = item
    return dict(sorted(inputs.items()))


def correlation_matrix(correlations: Any) -> tuple[list[str], np.ndarray]:
    """Names of the correlated inputs (sorted) and their Spearman matrix, 1 on the diagonal."""
    names = sorted({name for corr in correlations for name in corr.inputs})
    index = {name: k for k, name in enumerate(names)}
    matrix = np.eye(len(names))
    for corr in correlations:
        a, b = index[corr.inputs[0]], index[corr.inputs[1]]
        matrix[a, b] = matrix[b, a] = corr.rank
    return names, matrix


def correlation_name_problems(correlations: Any, names: set[str] | list[str],
                              locate: Any, fitted_growth: bool = False, fitted_level: bool = False) -> list[Problem]:
    """Correlations that name an input which does not exist (or cannot be correlated).

    ``locate(path)`` gives ``(file, line, col)`` of a dotted scenario path such as
    ``("correlations", 0, "inputs", 1)``; ``validate`` passes the YAML locations, the engine the
    provenance of a loaded scenario. One check, so ``validate`` and ``run`` refuse the same files.
    """
    known = sorted(names)
    problems = []
    for i, corr in enumerate(correlations):
        for j, name in enumerate(corr.inputs):
            file, line, col = locate(("correlations", i, "inputs", j))
            if fitted_growth and name == "demand.historical.growth":
                problems.append(Problem(file, line, col, f"correlations.{i}.inputs",
                                        "a fitted growth comes from the bootstrap and cannot be correlated",
                                        "give demand.historical.growth as an interval to correlate it"))
            elif fitted_level and name == "demand.historical.current_largest":
                problems.append(Problem(file, line, col, f"correlations.{i}.inputs",
                                        "a level from the fit (current_largest: fit) is drawn with the fitted "
                                        "growth and cannot be correlated",
                                        "give demand.historical.current_largest as an interval to correlate it"))
            elif name not in names:
                close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
                hint = (f"did you mean '{close[0]}'?" if close else
                        "name an uncertain input by its dotted path, e.g. supply.repetition.multiplier "
                        "(every name is listed in reports/<name>/inputs.csv)")
                problems.append(Problem(file, line, col, f"correlations.{i}.inputs",
                                        f"unknown input '{name}'", hint))
    return problems
