"""Two helpers of "Changes since last quarter" (:mod:`forecast.analysis.changes`): the Monte Carlo
noise of each headline figure, and the file and line that set a changed input.

**Monte Carlo noise.** Each move carries the Monte Carlo standard error of its figure in this quarter's
run (:func:`figure_noise`); a move no larger than that is noise, not a change. For a probability ``p``
over ``n`` samples the standard error is ``sqrt(p̄ (1 − p̄) / n)``, ``p̄`` the mean of last quarter's and
this quarter's value; for a quantile ``q`` of the exhaustion quarter or the cost it is half the spread
of the sample quantiles at ``q ± sqrt(q (1 − q) / n)`` (the sample quantile's binomial standard error
carried through the sample's own distribution), one-sided when the upper one lies after the horizon.

**Where an edit is.** :func:`locate` finds the ``file:line`` that sets an input this quarter from the
loader's provenance, so an edit of a parent file shows once, with the scenarios that inherit it.
"""
from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from forecast.engine.runs import ScenarioRun

#: an :class:`forecast.analysis.changes.InputChange` (not imported: that module imports this one)
InputChange = Any

__all__ = ["figure_noise", "locate", "located"]


def _quantile_noise(values: Any, q: float, after: float | None = None) -> float:
    """Half the spread of the sample quantiles at ``q ± sqrt(q (1 − q) / n)``; values ``>= after`` lie
    after the horizon (then the lower side alone; ``nan`` when the quantile itself lies there)."""
    import numpy as np

    x = np.sort(np.asarray(values, dtype=float))
    n = x.size
    if n == 0:
        return math.nan
    d = math.sqrt(q * (1 - q) / n)

    def at(p: float) -> float:    # the inverted-CDF sample quantile, robust to p's last bit (0.5 + 0.05)
        return float(x[min(max(math.ceil(n * p - 1e-9), 1), n) - 1])

    lo, mid, hi = at(q - d), at(q), at(q + d)
    if after is not None and mid >= after:
        return math.nan
    if after is not None and hi >= after:
        return mid - lo
    return (hi - lo) / 2


def figure_noise(result: Any, old: dict[str, float], new: dict[str, float]) -> dict[str, float]:
    """The Monte Carlo standard error of each headline figure of ``result`` (this quarter's run), as
    the module docstring defines it; ``old``/``new`` are the figures last and this quarter. A figure
    whose samples are not kept (a run without ``keep_samples``) has none (left out)."""
    from forecast.result import CENTRAL_80, label

    n = int(result.samples)
    out: dict[str, float] = {}
    for key in new:
        if key.startswith("exhaustion.by_") or key == "cost.p_cheapest":
            a, b = old.get(key, math.nan), new[key]
            if math.isfinite(a) and math.isfinite(b) and n > 0:
                p = (a + b) / 2
                out[key] = math.sqrt(max(p * (1 - p), 0.0) / n)
    first = result.events.get("exhaustion")
    if first is not None:
        q = len(result.quarters)
        for p in CENTRAL_80:
            se = _quantile_noise(first, p, after=q)
            if math.isfinite(se):
                out[f"exhaustion.{label(p)}"] = 0.25 * se     # quarters → years
    cost = getattr(result, "outcomes", {}).get("cost.total")
    if cost is not None:
        for p in CENTRAL_80:
            se = _quantile_noise(cost, p)
            if math.isfinite(se):
                out[f"cost.total.{label(p)}"] = se
    return out


def locate(change: InputChange, provenance: dict[str, str], old: dict[str, Any], new: dict[str, Any],
           fallback: str = "") -> str:
    """The ``file:line`` that sets ``change`` this quarter: the line of the changed part of an uncertain
    input (``value:``, ``low:``, ``source:``) when the file writes it, else of the input, else of its
    nearest enclosing key; ``fallback`` when no file line sets it (removed, or a default)."""
    from forecast.io.overrides import value_at

    name = change.input
    parts = [name + ".value"]
    if change.what != "value":
        parts = [f"{name}.{change.what}"]
    a, b = value_at(old, name), value_at(new, name)
    if isinstance(a, dict) and isinstance(b, dict):
        parts += [f"{name}.{k}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    parts.append(name)
    for key in parts:
        if key in provenance:
            return provenance[key]
    words = name.split(".")
    for k in range(len(words) - 1, 0, -1):
        where = provenance.get(".".join(words[:k]))
        if where is not None:
            return where
    return fallback


def located(inputs: tuple[InputChange, ...], run: "ScenarioRun", archived: Any) -> tuple[InputChange, ...]:
    """``inputs`` (of :func:`forecast.analysis.changes.diff_scenarios`) with the ``file:line`` that sets
    each this quarter (:func:`locate`); a report's ``--samples`` is located there."""
    import yaml

    old = yaml.safe_load(archived.yaml_text) or {}
    new = yaml.safe_load(run.yaml_text) or {}
    provenance = run.file.provenance
    out = []
    for change in inputs:
        if change.input == "samples" and run.result.samples != run.file.scenario.samples:
            where = "--samples"
        elif change.new is None:
            where = f"{run.file.path} (removed)"
        else:
            where = locate(change, provenance, old, new, fallback=run.file.path)
        out.append(replace(change, where=where))
    return tuple(out)
