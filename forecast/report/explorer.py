"""The data of ``explore.html`` (the report's what-if page) and the same what-if in Python.

The page (:mod:`forecast.report.explorer_page`) recomputes the exhaustion quarter of every sample
of a scenario after its sliders move the median of an input or widen its interval. It carries, per
scenario, the logarithm of every draw the exhaustion quarter depends on, ``L = ln x`` as
:func:`forecast.models.stock.log_values` computes it in the run, and rebuilds the log-linear
coefficients with the engine's own arithmetic (:mod:`forecast.engine.paths`):

* stock source k: b_k = L_growth, a_k = ((L_stock + L_quality) + L_repetition) + (t0 − t_ref)·b_k;
* historical trend: b = L_growth, a = L_level + (t0 − t_ref)·b (+ ln √overtraining);
* compute path: b = ½·L_growth, a = ½·(((L_C0 + L_k) + L_r) − ln 6 + (t0 − t_ref)·L_growth);
* a mixture takes the historical path where the run's sample did.

A slider at position j moves an input's draws to ``L' = (L + shift_j) + (w − 1)·(L − L_m)``: the
median ``exp(L_m)`` moves to the position's value (``shift_j`` = ln value − L_m, computed here and
carried in the page, so page and Python add the same number) and the spread of ln x around the
median is multiplied by ``w``. At the scenario's value (shift 0, w 1) that is ``L`` bit for bit, so
the page's quarters are the run's. Only additions, multiplications and divisions of numbers the page
carries decide a quarter, and IEEE 754 gives JavaScript and numpy the same results for those; the
closed form and its rounding guard are :func:`forecast.models.crossing.exhaustion_quarter`'s.

Scenarios whose stock or demand is not log-linear (stock dynamics, a priced gap, a compute ceiling)
are left out and listed on the page: the page does not approximate them.
"""
from __future__ import annotations

import base64
import hashlib
import math
from typing import Any, Sequence

import numpy as np

from forecast.engine.demand_trend import GROWTH, LEVEL, historical_trend
from forecast.engine.paths import closed_form_obstacles, quarter_ends, reference_years, repetition
from forecast.models import crossing
from forecast.models.stock import log_values
from forecast.outputs import format_headline, headline
from forecast.units import format_quantity

__all__ = ["WIDTHS", "BUDGET", "explorer_data", "decode_arrays", "evaluate", "left_out_reason", "slider_values"]

#: Interval widths a slider offers, as a factor on the spread of ln x around the median [x].
WIDTHS = (0.5, 0.75, 1.0, 1.5, 2.0)
#: Most bytes of base64 draws the page carries [bytes]: the page stays well under 10 MB.
BUDGET = 8_500_000
#: A scenario that does not fit whole is carried at a multiple of this many samples [count].
SAMPLE_STEP = 5_000
#: Nice values per decade for slider positions (an E-series).
_NICE = (1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.8, 2.0, 2.2, 2.5, 2.8, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0,
         7.0, 8.0, 9.0)
#: How far a slider moves the median each way [factor], and the unit it is written in.
_SPAN = {"growth": 3.0, "tokens": 10.0, "flop": 30.0, "fraction": 4.0, "x": 4.0}


def left_out_reason(scenario: Any) -> str | None:
    """Why the page cannot recompute ``scenario`` exactly, or None when it can."""
    if scenario.supply is None or scenario.demand is None:
        return "no supply and demand: nothing runs out"
    why = closed_form_obstacles(scenario)  # a priced gap is scanned for its prices but never moves it
    if not why:
        return None
    return "; ".join(why) + ": the engine scans it quarter by quarter, the page's closed form would not be exact"


def slider_values(median: float, kind: str) -> list[float]:
    """Positions of a slider: nice values within the kind's span around ``median``, and the median."""
    span = _SPAN[kind]
    low, high = median / span, median * span
    if kind == "growth":
        low = max(low, 1.0)
    if kind == "fraction":
        high = min(high, 1.0)
    out = {float(median)}
    for power in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1):
        for m in _NICE:
            v = float(f"{m}e{power}")
            if low <= v <= high and abs(math.log(v / median)) > 0.02:
                out.add(v)
    return sorted(out)


def _label(value: float, kind: str) -> str:
    if kind == "x":
        return format_quantity(value, "number", 3) + "x"
    return format_quantity(value, kind)


class _Arrays:
    """Arrays stored once (a draw shared by two scenarios is carried once), as base64 of little-endian bytes."""

    def __init__(self) -> None:
        self.stored: dict[str, bytes] = {}
        self.dtype: dict[str, str] = {}

    def add(self, values: np.ndarray, dtype: str) -> str:
        raw = np.ascontiguousarray(values, dtype=dtype).tobytes()
        for key, held in self.stored.items():  # the same draws, or the first samples of them
            if self.dtype[key] == dtype and held[:len(raw)] == raw:
                return key
        key = f"{dtype[1:]}-{hashlib.sha256(raw).hexdigest()[:12]}"
        self.stored[key], self.dtype[key] = raw, dtype
        return key

    def holds(self, values: np.ndarray, dtype: str) -> bool:
        """Whether these values (or more samples of the same draws) are stored already."""
        raw = np.ascontiguousarray(values, dtype=dtype).tobytes()
        return any(self.dtype[k] == dtype and held[:len(raw)] == raw for k, held in self.stored.items())

    def size(self) -> int:
        return sum(4 * ((len(b) + 2) // 3) for b in self.stored.values())

    def encoded(self) -> dict[str, str]:
        return {k: base64.b64encode(v).decode("ascii") for k, v in sorted(self.stored.items())}


def _term(logs: np.ndarray, n: int, arrays: _Arrays) -> dict[str, Any]:
    """An input's ln draws: a constant (every sample equal) or an array of its first ``n`` samples."""
    logs = np.broadcast_to(np.asarray(logs, dtype=float), (logs.size if np.ndim(logs) else 1,))
    if logs.size == 1 or bool((logs == logs[0]).all()):
        return {"c": float(logs[0])}
    return {"a": arrays.add(logs[:n], "<f8")}


def _inputs(scenario: Any, draws: dict[str, np.ndarray], seed: int, data_dir) -> tuple[dict, dict, dict]:
    """ln draws by input name, the formulas' structure and the slider kinds, from a run's draws."""
    supply, dem = scenario.supply, scenario.demand
    t_end = quarter_ends(scenario)
    origin = float(t_end[0])
    logs: dict[str, np.ndarray] = {}
    kinds: dict[str, tuple[str, str]] = {}
    rep = "supply.repetition.multiplier"
    logs[rep] = log_values(repetition(supply, draws.__getitem__))
    kinds[rep] = ("x", "Repetition multiplier (effective tokens per unique token)")
    refs = reference_years(supply, data_dir)
    sources = []
    for comp in supply.include:
        base = f"supply.sources.{comp}"
        quality = "supply.filter_yield" if supply.filter_yield is not None else f"{base}.quality"
        for name in (f"{base}.stock", quality, f"{base}.growth"):
            logs[name] = log_values(draws[name])
        kinds[f"{base}.stock"] = ("tokens", f"Stock of {comp.replace('_', ' ')} (tokens)")
        kinds[quality] = ("fraction", f"Usable share of {comp.replace('_', ' ')}" if quality != "supply.filter_yield"
                          else "Usable share after filtering")
        sources.append({"name": comp, "stock": f"{base}.stock", "quality": quality, "rep": rep,
                        "growth": f"{base}.growth", "c": origin - refs[comp]})
    model: dict[str, Any] = {"sources": sources, "hist": None, "comp": None}
    if dem.method in ("historical", "mixture"):
        found = historical_trend(scenario, seed, data_dir)
        h = dem.historical
        logs[LEVEL], logs[GROWTH] = log_values(draws[LEVEL]), log_values(draws[GROWTH])
        kinds[LEVEL] = ("tokens", "Largest training dataset today (tokens)")
        kinds[GROWTH] = ("growth", "Dataset growth of the largest run")
        factor = None
        if h.overtraining is not None:
            factor = "demand.historical.overtraining:sqrt"
            logs[factor] = log_values(np.sqrt(draws["demand.historical.overtraining"]))
        model["hist"] = {"level": LEVEL, "growth": GROWTH, "factor": factor, "c": origin - found.reference_year}
    if dem.method in ("compute", "mixture"):
        names = {k: f"demand.compute.{k}" for k in ("current_largest", "growth", "tokens_per_param", "overtraining")}
        for name in names.values():
            logs[name] = log_values(draws[name])
        kinds[names["growth"]] = ("growth", "Compute growth of the largest run")
        kinds[names["current_largest"]] = ("flop", "Largest training compute today (FLOP)")
        model["comp"] = {"level": names["current_largest"], "growth": names["growth"], "k": names["tokens_per_param"],
                         "r": names["overtraining"], "ln6": float(np.log(6.0)),
                         "c": origin - dem.compute.reference.ordinal / 4.0}
    return logs, kinds, model


#: Slider order on the page: demand first (what moves the date most), then supply.
_ORDER = ("demand.compute.growth", GROWTH, LEVEL, "demand.compute.current_largest")


def _sliders(logs: dict[str, np.ndarray], kinds: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    names = [n for n in _ORDER if n in kinds] + sorted(n for n in kinds if n not in _ORDER)
    out = []
    for name in names:
        kind, label = kinds[name]
        ln = np.asarray(logs[name], dtype=float)
        lm = float(np.quantile(ln, 0.5))
        median = float(np.exp(lm))
        values = slider_values(median, kind)
        start = values.index(median)
        shifts = [0.0 if k == start else float(np.log(v)) - lm for k, v in enumerate(values)]
        q10, q90 = (float(q) for q in np.quantile(ln, [0.1, 0.9]))
        labels = [_label(v, "growth" if kind == "growth" else kind) for v in values]
        out.append({"id": name, "label": label, "kind": kind, "values": values, "labels": labels, "shifts": shifts,
                    "start": start, "lm": lm, "q10": q10, "q90": q90})
    return out


def _new_arrays(logs: dict[str, np.ndarray], arrays: _Arrays) -> int:
    """How many of a scenario's ln draws are not carried yet (a variant shares most of its parent's)."""
    return sum(1 for v in logs.values() if not bool((v == v[0]).all()) and not arrays.holds(v, "<f8"))


def _scenario_model(run: Any, found: tuple, arrays: _Arrays, room: int) -> dict[str, Any]:
    """One scenario's entry: its terms, structure, sliders, and the report's own figures."""
    result, scenario = run.result, run.file.scenario
    logs, kinds, model = found
    n_run = result.samples
    per_sample = 8 * 4 / 3 * _new_arrays(logs, arrays)  # bytes per sample of base64 float64
    n = n_run
    if per_sample * n > room:
        n = max(SAMPLE_STEP, int(room // per_sample) // SAMPLE_STEP * SAMPLE_STEP)
        n = min(n, n_run)
    terms = {name: _term(v, n, arrays) for name, v in sorted(logs.items())}
    choice = None
    if scenario.demand.method == "mixture":
        choice = arrays.add(np.asarray(result.draws["demand.method_choice"])[:n] == 1.0, "|u1")
    t_end = quarter_ends(scenario)
    h = headline(result)
    ends = list(t_end)
    by_last = max((k for k, e in enumerate(ends) if e <= 2031.0 + 1e-9), default=-1)
    gap_at = result.quarters.index("2030Q4") if "2030Q4" in result.quarters else None
    report = {"p10": h["exhaustion.p10"], "p50": h["exhaustion.p50"], "p90": h["exhaustion.p90"],
              "by_2030": h.get("exhaustion.by_2030", math.nan)}
    texts = {f"{k}_text": format_headline(f"exhaustion.{k}", v) for k, v in report.items()}
    if gap_at is not None and "synthetic_needed" in result.stats:
        report["synthetic_2030"] = float(result.metric("synthetic_needed")["p50"].iloc[gap_at])
        texts["synthetic_2030_text"] = format_quantity(report["synthetic_2030"], "tokens")
    return {**model, "name": run.name, "file": run.file.path, "stamp": result.stamp,
            "data_files": dict(sorted(result.notes.get("data_files", {}).items())),
            "samples": n, "samples_run": n_run, "seed": result.seed, "quarters": list(result.quarters),
            "taus": [float(t) for t in t_end - t_end[0]], "by_last": by_last, "by_year": 2030, "gap_at": gap_at,
            "choice": choice, "terms": terms, "sliders": _sliders(logs, kinds),
            "report": {**{k: (None if not math.isfinite(v) else v) for k, v in report.items()}, **texts}}


def explorer_data(runs: Sequence[Any], quarter: str, data_dir=None, budget: int = BUDGET) -> dict[str, Any]:
    """Everything ``explore.html`` carries: the scenarios it models (the baseline first) and those it leaves out.

    ``runs`` are :class:`forecast.engine.runs.ScenarioRun` with ``keep_samples`` draws. A scenario whose
    new draws do not fit in ``budget`` bytes is carried with fewer samples (a multiple of
    :data:`SAMPLE_STEP`, its first ones), which the page says.
    """
    arrays = _Arrays()
    todo, left = [], []
    for run in sorted(runs, key=lambda r: r.name != "baseline"):
        reason = left_out_reason(run.file.scenario)
        if reason is None and not run.result.draws:
            reason = "the run kept no draws"
        found = None if reason is not None else _inputs(run.file.scenario, run.result.draws, run.result.seed, data_dir)
        if found is not None and not all(bool(np.isfinite(v).all()) for v in found[0].values()):
            reason = "an input has draws of zero or below, whose logarithm the page cannot carry"
        if reason is None:
            todo.append((run, found))
        elif run.file.scenario.supply is not None:
            left.append({"name": run.name, "file": run.file.path, "reason": reason})
    models = {}
    while todo:  # the baseline, then the scenario that adds the fewest new draws: most samples in the budget
        k = 0 if not models else min(range(len(todo)), key=lambda j: (_new_arrays(todo[j][1][0], arrays), j))
        run, found = todo.pop(k)
        models[run.name] = _scenario_model(run, found, arrays, max(budget - arrays.size(), 0))
    order = [r.name for r in sorted(runs, key=lambda r: r.name != "baseline") if r.name in models]
    return {"quarter": quarter, "widths": list(WIDTHS), "scenarios": [models[name] for name in order],
            "left_out": left, "arrays": arrays.encoded()}


# --------------------------------------------------------------------------- the same what-if in Python

def decode_arrays(data: dict[str, Any]) -> dict[str, np.ndarray]:
    """The page's arrays as numpy arrays (float64, or bool for a mixture's path)."""
    out = {}
    for key, text in data["arrays"].items():
        raw = base64.b64decode(text)
        out[key] = np.frombuffer(raw, dtype="<f8" if key.startswith("f8") else "|u1").astype(
            float if key.startswith("f8") else bool)
    return out


def _moved(model: dict[str, Any], arrays: dict[str, np.ndarray], settings: dict[str, tuple[int, int]],
           widths: Sequence[float]) -> dict[str, np.ndarray | float]:
    """ln draws of every input after the sliders: (L + shift) + (w − 1)·(L − L_m)."""
    sliders = {s["id"]: s for s in model["sliders"]}
    n = model["samples"]
    out: dict[str, Any] = {}
    for name, term in model["terms"].items():
        ln = arrays[term["a"]][:n] if "a" in term else term["c"]
        if name in settings:
            pos, wk = settings[name]
            s = sliders[name]
            ln = (ln + s["shifts"][pos]) + (widths[wk] - 1.0) * (ln - s["lm"])
        out[name] = ln
    return out


def coefficients(model: dict[str, Any], ln: dict[str, Any], arrays: dict[str, np.ndarray]):
    """(need_a, need_b, stock_a, stock_b) per sample, in the engine's order of operations."""
    n = model["samples"]
    vec = lambda x: np.ascontiguousarray(np.broadcast_to(x, (n,)), dtype=float)  # noqa: E731
    stock_a, stock_b = [], []
    for src in model["sources"]:
        b = ln[src["growth"]]
        a = ln[src["stock"]] + ln[src["quality"]] + ln[src["rep"]] + src["c"] * b
        stock_a.append(vec(a))
        stock_b.append(vec(b))
    paths = []
    if model["hist"] is not None:
        h = model["hist"]
        b = ln[h["growth"]]
        a = ln[h["level"]] + h["c"] * b
        if h["factor"] is not None:
            a = a + ln[h["factor"]]
        paths.append((vec(a), vec(b)))
    if model["comp"] is not None:
        c = model["comp"]
        log_h = ln[c["growth"]]
        log_c = ln[c["level"]] + ln[c["k"]] + ln[c["r"]] - c["ln6"]
        paths.append((vec(0.5 * (log_c + c["c"] * log_h)), vec(0.5 * log_h)))
    if len(paths) == 2:
        take = arrays[model["choice"]][:n]
        need_a, need_b = (np.where(take, hp, cp) for hp, cp in zip(*paths))
    else:
        need_a, need_b = paths[0]
    return vec(need_a), vec(need_b), stock_a, stock_b


def evaluate(data: dict[str, Any], name: str, settings: dict[str, tuple[int, int]] | None = None,
             arrays: dict[str, np.ndarray] | None = None) -> dict[str, Any]:
    """What the page shows for scenario ``name`` with sliders at ``settings`` (id → (position, width index);
    missing: the scenario's value, width 1), computed with the engine's kernels.

    Returns ``first`` (the quarter position of every sample; ``len(quarters)`` = after the horizon),
    ``counts`` (samples exhausted by each quarter), ``p10``/``p50``/``p90`` (positions, numpy's
    ``inverted_cdf`` as :func:`forecast.outputs.headline` takes them), ``by_count`` (samples exhausted
    by the end of 2030) and ``gap_p50`` (median synthetic tokens needed in 2030Q4, or None).
    """
    model = next(m for m in data["scenarios"] if m["name"] == name)
    arrays = decode_arrays(data) if arrays is None else arrays
    ln = _moved(model, arrays, settings or {}, data["widths"])
    need_a, need_b, stock_a, stock_b = coefficients(model, ln, arrays)
    taus = np.asarray(model["taus"], dtype=float)
    first = crossing.exhaustion_quarter(need_a, need_b, stock_a, stock_b, taus)
    q = taus.size
    counts = np.cumsum(np.bincount(first, minlength=q + 1)[:q]).tolist()
    pos = {f"p{round(p * 100)}": int(np.quantile(first, p, method="inverted_cdf")) for p in (0.1, 0.5, 0.9)}
    by = model["by_last"]
    out = {"first": first, "counts": counts, **pos, "by_count": int(np.sum(first <= by)), "gap_p50": None}
    if model["gap_at"] is not None:
        tau = float(taus[model["gap_at"]])
        demand = np.exp(need_b * tau + need_a)
        stock = np.exp(stock_b[0] * tau + stock_a[0])
        for a, b in zip(stock_a[1:], stock_b[1:]):
            stock = stock + np.exp(b * tau + a)
        out["gap_p50"] = float(np.quantile(np.maximum(demand - stock, 0.0), 0.5))
    return out
