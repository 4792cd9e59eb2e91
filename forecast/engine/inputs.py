"""Draw a scenario's uncertain inputs (collected by :mod:`forecast.io.inputs`), one stream per input."""
from __future__ import annotations

from typing import Any

import numpy as np

from forecast.errors import Problem, ScenarioError
from forecast.io.inputs import (Input, collect_inputs, correlation_matrix, correlation_name_problems,
                                provenance_locator)
from forecast.models import sampling

__all__ = ["Input", "clip_to_kind", "collect_inputs", "draw_inputs"]

_NONNEGATIVE = {"tokens", "params", "flop", "usd", "hours"}


def clip_to_kind(values: np.ndarray, kind: str) -> np.ndarray:
    """Keep drawn values in their unit's range: fractions in [0, 1], counts and money ≥ 0."""
    if kind == "fraction":
        return np.clip(values, 0.0, 1.0)
    if kind in _NONNEGATIVE:
        return np.maximum(values, 0.0)
    if kind == "growth":
        return np.maximum(values, np.finfo(float).tiny)
    return values


def draw_inputs(inputs: dict[str, Input], seed: int, n: int, correlations: Any = (),
                provenance: dict[str, str] | None = None, threads: int = 1) -> dict[str, np.ndarray]:
    """Draw ``n`` samples of every input by inverse transform of its own uniform stream.

    Inputs named together in ``correlations`` get Gaussian-copula uniforms (rank correlation);
    all others use :func:`forecast.models.sampling.uniforms`, so adding an input never changes
    another input's samples. A fixed input needs no uniforms. Streams are independent, so
    ``threads > 1`` draws several inputs at once with the same result.
    """
    problems = correlation_name_problems(correlations, set(inputs), provenance_locator(provenance))
    if problems:
        raise ScenarioError(problems)
    correlated, matrix = correlation_matrix(correlations)
    uniforms: dict[str, np.ndarray] = {}
    if correlated:
        try:
            block = sampling.correlated_uniforms(seed, correlated, matrix, n)
        except ValueError as exc:
            raise ScenarioError([Problem("scenario", 0, 0, "correlations", str(exc))]) from None
        uniforms.update({name: block[k] for k, name in enumerate(correlated)})

    def draw(name: str) -> np.ndarray:
        item = inputs[name]
        dist = item.spec.to_distribution()
        if isinstance(dist, sampling.Fixed):
            return clip_to_kind(dist.ppf(np.broadcast_to(0.5, (n,))), item.kind)  # ignores u: no draws
        u = uniforms.get(name)
        if u is None:
            u = sampling.uniforms(seed, name, n)
        return clip_to_kind(dist.ppf(u), item.kind)

    if threads > 1 and len(inputs) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=threads) as pool:
            return dict(zip(inputs, pool.map(draw, inputs)))
    return {name: draw(name) for name in inputs}
