"""Goal-seek: the value of one input that meets a target on a headline output.

``solve(scenario, "median(exhaustion) >= 2032Q1", "supply.repetition.epochs")`` scans the input's
range, brackets the first change from "target missed" to "target met" and bisects it on the
headline path (:func:`forecast.engine.headline_run`, the scenario's seed at every step, so the
output is a deterministic function of the input).

**What is varied.** A fixed input takes the value. An uncertain input keeps its spread and its
**median** moves to the value: a lognormal is scaled (its ratio p90/p10 stays), a normal, uniform,
triangular, PERT or choice is shifted (its width stays); a beta cannot be moved this way (set it
fixed with ``--set`` first). The answer is the median the input must have.

**Which inputs.** Any uncertain input the scenario uses (the names of its ``inputs.csv``): one written
in the scenario, or one read from a row of ``data/`` (a component's stock, growth or quality in
``text_stock.csv``, a market's GPU price in ``gpu_prices.csv``, an accelerator's price in
``hardware.csv``, a loss fit's constants in ``loss_fits.csv``). A data-row input is set in the
scenario for the search, replacing the row (:func:`forecast.io.inputs.data_row_override`), and
:attr:`Solution.overrides` names that row.

**Where it searches.** Inside the input's valid range only (:func:`valid_range`): a share from 0 to
100%, counts, prices and growth factors above 0, a repetition multiplier or epoch count from 1. The
default range is the current median ÷100 to ×100, cut to the valid range; a ``--range`` outside it is
refused. Every value is evaluated once (values equal to 10 significant digits are one value).

**Targets** (:func:`parse_target`): ``median(exhaustion) >= 2032Q1``, ``p10(exhaustion) > 2030Q4``,
``P(exhaustion by 2030) <= 50%``, ``median(cost) <= $500K``, ``cheapest_share >= 50%``, or a headline
key (``exhaustion.p90 >= 2035Q1``, docs/nomenclature.md). Quarters compare as their ends.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from forecast.errors import Problem, ScenarioError
from forecast.io.inputs import collect_inputs, data_row_override
from forecast.io.overrides import fixed, is_spec, value_at, with_values
from forecast.outputs import headline, headline_kind
from forecast.units import Quarter, parse_quantity

__all__ = ["Solution", "Target", "parse_target", "shifted", "solve", "valid_range"]

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, "<": lambda a, b: a < b}
_STATS = {"median": "p50", "p50": "p50", "p10": "p10", "p90": "p90"}


@dataclass(frozen=True)
class Target:
    """``key op value``: a headline key, a comparison and a threshold in the key's units."""

    key: str
    op: str
    value: float
    text: str

    def met(self, x: float) -> bool:
        return not math.isnan(x) and _OPS[self.op](x, self.value)

    @property
    def wants_more(self) -> bool:
        return self.op in (">=", ">")


def _bad_target(text: str, why: str) -> ScenarioError:
    return ScenarioError([Problem("--target", 0, 0, "target", f"cannot read '{text}': {why}",
                                  "e.g. \"median(exhaustion) >= 2032Q1\", \"P(exhaustion by 2030) <= 50%\", "
                                  "\"median(cost) <= $500K\"")])


def _threshold(key: str, raw: str, text: str) -> float:
    raw = raw.strip()
    try:
        kind = headline_kind(key)
        if kind == "year":
            return Quarter.parse(raw).end_year
        if kind == "usd":
            return parse_quantity(raw, "usd")
        return parse_quantity(raw, "fraction")
    except ValueError as exc:
        raise _bad_target(text, str(exc)) from None


def parse_target(text: str) -> Target:
    """Read a target such as ``median(exhaustion) >= 2032Q1`` (module docstring)."""
    m = re.fullmatch(r"\s*(.+?)\s*(>=|<=|>|<)\s*(.+?)\s*", text)
    if not m:
        raise _bad_target(text, "expected OUTPUT >= VALUE (or <=, >, <)")
    left, op, right = m.groups()
    left_l = left.lower().replace(" ", "")
    key = None
    if (f := re.fullmatch(r"(median|p50|p10|p90)\((exhaustion|cost)\)", left_l)):
        stat, what = f.groups()
        key = f"exhaustion.{_STATS[stat]}" if what == "exhaustion" else f"cost.total.{_STATS[stat]}"
    elif (f := re.fullmatch(r"p\(exhaustion(?:by|<=)(\d{4})\)", left_l)):
        key = f"exhaustion.by_{f.group(1)}"
    elif left_l in ("cheapest_share", "cheapest(share)"):
        key = "cost.cheapest_share"
    elif re.fullmatch(r"(exhaustion\.(p10|p50|p90|by_\d{4})|cost\.total\.(p10|p50|p90)|cost\.cheapest_share)",
                      left.strip()):
        key = left.strip()
    if key is None:
        raise _bad_target(text, f"unknown output '{left}'")
    return Target(key, op, _threshold(key, right, text), text.strip())


def shifted(spec: Any, median: float) -> Any:
    """``spec`` with its median moved to ``median``, spread kept (module docstring); a fixed value if fixed."""
    from forecast.models.sampling import Fixed

    dist = spec.to_distribution()
    if isinstance(dist, Fixed):
        return fixed(median, spec.kind, spec.source)
    now = float(dist.ppf(np.array([0.5]))[0])
    data = spec.model_dump()
    if spec.dist == "lognormal":
        if median <= 0 or now <= 0:
            raise ValueError("a lognormal's median must stay above 0")
        ratio = median / now
        if data.get("low") is not None:
            data["low"], data["high"] = data["low"] * ratio, data["high"] * ratio
        else:
            data["mu"] = data["mu"] + math.log(ratio)
    elif spec.dist == "beta":
        raise ValueError("a beta input cannot be shifted; set it to a fixed value with --set first")
    else:
        delta = median - now
        for key in ("low", "high", "mode", "mean"):
            if data.get(key) is not None:
                data[key] = data[key] + delta
        if data.get("values") is not None:
            data["values"] = tuple(v + delta for v in data["values"])
    return type(spec).model_validate(data)


@dataclass
class Solution:
    """The outcome of :func:`solve`.

    ``value``: the input's value (or median) that meets the target, None when no value in the range
    does; ``metric``: the headline output there. ``best_value``/``best_metric``: the value in the
    range that comes closest when none meets it. ``steps``: (input, output) of every evaluation,
    one per value, in increasing input order. ``overrides``: the ``data/`` row (``file:line``) the
    varied input replaces, None for an input written in the scenario.
    """

    target: Target
    vary: str
    kind: str
    low: float
    high: float
    baseline_value: float
    baseline_metric: float
    value: float | None = None
    metric: float | None = None
    best_value: float | None = None
    best_metric: float | None = None
    met_everywhere: bool = False
    monotone: bool = True
    steps: list[tuple[float, float]] = field(default_factory=list)
    overrides: str | None = None


#: Inputs whose valid range starts above their unit's: (lowest value, why) [unit of the input].
_FLOORS = {
    "supply.repetition.multiplier": (1.0, "repeated data never gives fewer effective tokens than unique "
                                          "ones, and 1 is no repetition"),
    "supply.repetition.epochs": (1.0, "a run reads its data at least once (1 epoch)"),
}
#: Unit kinds that only take positive values.
_POSITIVE = {"tokens", "params", "flop", "usd", "hours", "growth"}


def valid_range(name: str, kind: str) -> tuple[float, float, bool, str]:
    """``(low, high, low_open, why)``: the values an input may take [its unit]: a share 0–1, counts,
    prices and growth factors above 0 (``low_open``), a repetition multiplier or epochs from 1,
    anything else unbounded."""
    if name in _FLOORS:
        low, why = _FLOORS[name]
        return low, math.inf, False, why
    if kind == "fraction":
        return 0.0, 1.0, False, "a share lies from 0 to 100%"
    if kind in _POSITIVE:
        return 0.0, math.inf, True, "it is a positive quantity"
    return -math.inf, math.inf, False, ""


def _range_for(name: str, kind: str, now: float, low: float | None,
               high: float | None) -> tuple[float, float, bool]:
    """Search range inside the input's valid range, and whether to bisect on a log scale."""
    floor, ceiling, open_low, why = valid_range(name, kind)
    if kind == "fraction":
        lo, hi = 0.0, 1.0
    elif now > 0:
        lo, hi = now / 100.0, now * 100.0
    else:
        lo, hi = now - 100.0 * max(abs(now), 1.0), now + 100.0 * max(abs(now), 1.0)
    lo, hi = max(lo, floor), min(hi, ceiling)
    for given, side in ((low, "low"), (high, "high")):
        if given is not None and (given < floor or given > ceiling or (open_low and given <= floor)):
            bound = (f"above {floor:g}" if open_low else f"from {floor:g}") + \
                ("" if math.isinf(ceiling) else f" to {ceiling:g}")
            raise ScenarioError([Problem("--range", 0, 0, "range",
                                         f"{side} {given:g} is outside the values {name} can take ({bound}: {why})",
                                         f"search {bound}, e.g. --range {lo:g}:{hi:g}")])
    lo = lo if low is None else low
    hi = hi if high is None else high
    if not lo < hi:
        raise ScenarioError([Problem("--range", 0, 0, "range", f"low ({lo:g}) must be below high ({hi:g})",
                                     "e.g. --range 1:100")])
    return lo, hi, lo > 0 and hi / lo > 20


def _input(scenario: Any, vary: str, data_dir: Path | None) -> tuple[Any, str | None, dict[str, Any]]:
    """The spec of ``vary``, the ``data/`` row it comes from (None if the scenario writes it) and the
    other keys to set with it so that the scenario's value replaces the row."""
    spec = value_at(scenario, vary)
    if is_spec(spec):
        return spec, None, {}
    inputs = collect_inputs(scenario, None, data_dir)
    item = inputs.get(vary)
    if item is None:
        import difflib

        close = difflib.get_close_matches(vary, sorted(inputs), n=1, cutoff=0.6)
        if vary.startswith("supply.repetition"):
            hint = ("set it first, e.g. --set supply.repetition.multiplier=null --set supply.repetition.epochs=4 "
                    "--set supply.repetition.decay_constant=15.39")
        else:
            hint = (f"did you mean '{close[0]}'?" if close else
                    "name an uncertain input of the scenario (its inputs.csv lists them)")
        raise ScenarioError([Problem("--vary", 0, 0, vary, "not an input of this scenario", hint)])
    return item.spec, item.set_at or None, data_row_override(scenario, vary, inputs)


def solve(scenario: Any, target: Target | str, vary: str, low: float | None = None, high: float | None = None,
          samples: int | None = None, data_dir: Path | None = None, points: int = 9,
          tolerance: float = 1e-3, threads: int | None = None,
          progress: Callable[[int], None] | None = None) -> Solution:
    """The value of ``vary`` that meets ``target`` (module docstring).

    Parameters
    ----------
    low, high : float, optional
        Search range in the input's base units (default: 0–1 for a fraction, the current median
        ÷100 to ×100 otherwise).
    points : int
        Evaluations of the first scan (the bracket).
    tolerance : float
        Bisection stops when the bracket is narrower than ``tolerance`` × the value (log scale)
        or × the range (linear scale).

    Raises
    ------
    ScenarioError
        An input that is not among the scenario's inputs, a range outside the input's valid range
        (:func:`valid_range`), or a target on an output the scenario lacks.
    """
    import forecast.engine as engine

    target = parse_target(target) if isinstance(target, str) else target
    spec, row, companions = _input(scenario, vary, data_dir)
    now = float(spec.to_distribution().ppf(np.array([0.5]))[0])
    lo, hi, log = _range_for(vary, spec.kind, now, low, high)
    cache: dict[float, float] = {}
    # a cheapest-share target reads the mix curve alone: the scenario's own run is not priced
    outputs = "mixes" if target.key in ("cost.cheapest_share", "cost.p_cheapest") else "headline"

    def metric(x: float) -> float:
        x = float(f"{x:.10g}")          # one evaluation per value: the median and a scan point may coincide
        if x not in cache:
            try:
                changed = with_values(scenario, {**companions, vary: shifted(spec, x)}, label="--vary")
            except ValueError as exc:
                raise ScenarioError([Problem("--vary", 0, 0, vary, str(exc), "choose another input")]) from None
            found = headline(engine.run(changed, samples=samples, data_dir=data_dir, outputs=outputs, threads=threads))
            if target.key not in found:
                raise ScenarioError([Problem("--target", 0, 0, "target", f"this scenario has no {target.key}",
                                             "exhaustion targets need supply and demand; cost targets a "
                                             "cost section (cheapest_share a mixes section)")])
            cache[x] = found[target.key]
            if progress is not None:
                progress(len(cache))
        return cache[x]

    sol = Solution(target, vary, spec.kind, lo, hi, now, metric(now), overrides=row)
    grid = np.geomspace(lo, hi, points) if log else np.linspace(lo, hi, points)
    values = [metric(float(x)) for x in grid]
    met = [target.met(v) for v in values]
    flips = sum(a != b for a, b in zip(met, met[1:]))
    sol.monotone = flips <= 1
    if not any(met):
        finite = [(x, v) for x, v in zip(grid, values) if not math.isnan(v)]
        pick = max if target.wants_more else min
        x, v = pick(finite, key=lambda item: item[1])
        sol.best_value, sol.best_metric = float(x), float(v)
    elif all(met):
        sol.met_everywhere = True
        sol.value, sol.metric = float(grid[0]), float(values[0])
    else:
        i = next(k for k in range(points - 1) if met[k] != met[k + 1])
        a, b = float(grid[i]), float(grid[i + 1])          # met[a] != met[b]
        good_is_b = met[i + 1]
        while (b / a - 1 > tolerance) if log else (b - a > tolerance * (hi - lo)):
            mid = math.sqrt(a * b) if log else (a + b) / 2
            if target.met(metric(mid)) == good_is_b:
                b = mid
            else:
                a = mid
        x = b if good_is_b else a
        sol.value, sol.metric = x, metric(x)
    sol.steps = sorted(cache.items())
    return sol
