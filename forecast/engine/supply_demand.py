"""Human-text stock versus training-data demand in closed form, quarter by quarter (Villalobos et al. 2024).

The drawn inputs reduce to log-linear coefficients per sample and path
(:func:`forecast.engine.paths.log_paths`). From those:

* the exhaustion quarter of every sample is solved directly (:mod:`forecast.models.crossing`), in
  O(samples) work, not scanned quarter by quarter;
* each quarter's samples are one contiguous row, ``exp(a + b·τ)``, summarised on a thread pool
  (numpy releases the GIL in its loops); rows are independent, so any number of threads gives the
  same bytes.

A stock or demand that is not log-linear, or a priced gap, takes the scan instead
(:func:`forecast.engine.scan.run_pass`); :func:`exhaustion` and :func:`run_supply_demand` choose.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np

from forecast.engine.blocks import Summariser
from forecast.engine.metrics import METRICS
from forecast.engine.paths import LogPaths, log_paths
from forecast.engine.scan import run_pass
from forecast.models import crossing
from forecast.models import demand as D

__all__ = ["exhaustion", "summarise_quarters", "quarter_values", "run_supply_demand", "default_threads",
           "QUARTER_BLOCK"]


def default_threads() -> int:
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def quarter_values(a: np.ndarray, b: np.ndarray, taus: np.ndarray) -> np.ndarray:
    """exp(a + b·τ) at every quarter, computed as :func:`summarise_quarters` computes its rows.

    The first quarter of each block of :data:`QUARTER_BLOCK` is exp(a + b·τ); the next ones
    multiply by exp(b·Δτ). Shape ``(n, quarters)``; bit for bit the engine's row values.
    """
    block, dt = _blocking(taus)
    step = np.exp(b * dt) if block > 1 else None
    out = np.empty((a.size, taus.size))
    row = None
    for k in range(taus.size):
        if k % block == 0:
            row = D.log_linear(a, b, float(taus[k]), out=np.empty(a.size))
        else:
            row = np.multiply(row, step, out=np.empty(a.size))
        out[:, k] = row
    return out


def exhaustion(paths: LogPaths, threads: int = 1, log_linear: bool = False) -> np.ndarray:
    """Per sample, the first quarter (position) with demand ≥ effective stock; ``quarters`` if never.

    Samples are independent, so ``threads > 1`` solves contiguous chunks at once, same result.
    A stock with dynamics (``paths.extra``) is not log-linear: its quarters are scanned
    (:func:`forecast.engine.scan.run_pass`). ``log_linear=True`` says the scenario's exhaustion is
    the closed form's even so (:func:`forecast.engine.paths.exhaustion_is_log_linear`: a ``gap``
    section is scanned for its prices only), so the scan is skipped: the same quarters.
    """
    if paths.extra is not None and not log_linear:
        return run_pass(paths)[0]
    n = paths.need_a.size

    def solve(lo: int, hi: int) -> np.ndarray:
        return crossing.exhaustion_quarter(paths.need_a[lo:hi], paths.need_b[lo:hi],
                                           [a[lo:hi] for a in paths.stock_a],
                                           [b[lo:hi] for b in paths.stock_b], paths.taus)

    if threads <= 1 or n < 100_000:
        return solve(0, n)
    edges = np.linspace(0, n, threads + 1).astype(int)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        parts = list(pool.map(solve, edges[:-1], edges[1:]))
    return np.concatenate(parts)


def _share(ratio: float) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(D.synthetic_share_from_ratio(np.array([ratio]))[0])


#: Quarters per block of :func:`summarise_quarters`: the first quarter of a block is exp(a + b·τ),
#: the next ones multiply by the per-quarter growth (one multiply instead of one exp per value).
#: Fixed, so results do not depend on the number of threads.
QUARTER_BLOCK = 4


def _blocking(taus: np.ndarray) -> tuple[int, float]:
    """Block length and quarter step: :data:`QUARTER_BLOCK` when quarters are evenly spaced, else 1."""
    steps = np.diff(taus)
    if steps.size > 0 and bool(np.all(steps == steps[0])):
        return QUARTER_BLOCK, float(steps[0])
    return 1, 0.0


def summarise_quarters(paths: LogPaths, summary: Summariser, threads: int | None = None,
                       progress=None) -> None:
    """Per-quarter mean and quantiles of every metric in :data:`METRICS`, blocks of quarters on a thread pool.

    Within a block of :data:`QUARTER_BLOCK` quarters (evenly spaced), demand and each stock
    source are carried forward by their per-quarter growth factor exp(b·Δτ); this differs from
    exp(a + b·τ) by a few units in the last place.
    """
    n, quarters = paths.need_a.size, paths.taus.size
    for name in METRICS:
        summary.table(name)
    local = threading.local()
    block, dt = _blocking(paths.taus)
    if block > 1:
        need_step = np.exp(paths.need_b * dt)
        stock_steps = [np.exp(b * dt) for b in paths.stock_b]
    k_terms = len(paths.stock_a)
    # Every exponent within ±700 over the horizon: no row can hold NaN, inf or an underflowed 0
    # (exp(±709) is the float64 limit), so the NaN checks of the summaries can be skipped.
    tmax = float(np.max(np.abs(paths.taus))) if quarters else 0.0
    bound = max(float(np.max(np.abs(x))) if x.size else 0.0 for x in (paths.need_a, *paths.stock_a))
    slope = max(float(np.max(np.abs(x))) if x.size else 0.0 for x in (paths.need_b, *paths.stock_b))
    finite = bool(np.isfinite(bound) and np.isfinite(slope) and bound + slope * tmax + np.log(k_terms) < 700.0)

    def one_block(first: int) -> int:
        if not hasattr(local, "bufs"):
            local.bufs = [np.empty(n) for _ in range(4 + k_terms)]
        need, eff, ratio, gap, *terms = local.bufs
        last = min(first + block, quarters)
        for k in range(first, last):
            if k == first:
                tau = float(paths.taus[k])
                D.log_linear(paths.need_a, paths.need_b, tau, out=need)
                for term, a, b in zip(terms, paths.stock_a, paths.stock_b):
                    D.log_linear(a, b, tau, out=term)
            else:
                np.multiply(need, need_step, out=need)
                for term, step in zip(terms, stock_steps):
                    np.multiply(term, step, out=term)
            np.copyto(eff, terms[0])
            for term in terms[1:]:
                eff += term
            with np.errstate(divide="ignore", invalid="ignore"):
                np.divide(need, eff, out=ratio)
                np.subtract(need, eff, out=gap)
                np.maximum(gap, 0.0, out=gap)
            summary.add_row("stock", k, eff, finite)
            summary.add_zero_padded("synthetic_needed", k, gap, finite)
            # ratio's order statistics give synthetic_share's quantiles; its mean needs the row
            share = D.synthetic_share_from_ratio(ratio, out=gap)
            share_mean = share.mean()
            ranks = summary.add_row("ratio", k, ratio, finite)
            if ranks is None:
                summary.add_row("synthetic_share", k, share)
            else:
                summary.add_derived("synthetic_share", k, share_mean, ranks, _share)
            # need is carried to the next quarter of the block: summarise a copy
            np.copyto(eff, need)
            summary.add_row("demand", k, eff, finite)
        return last - first

    starts = range(0, quarters, block)
    workers = max(1, min(threads or default_threads(), len(starts)))
    done = 0
    if workers == 1:
        for first in starts:
            done += one_block(first)
            if progress is not None:
                progress(done, quarters)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in as_completed([pool.submit(one_block, first) for first in starts]):
            done += future.result()
            if progress is not None:
                progress(done, quarters)


def run_supply_demand(scenario: Any, values: dict[str, np.ndarray], seed: int, n: int,
                      summary: Summariser, data_dir: Path | None, progress=None,
                      derived: dict[str, np.ndarray] | None = None,
                      threads: int | None = None) -> dict[str, Any]:
    """Evaluate stock, demand and the synthetic gap for every quarter of the horizon.

    ``values`` holds the drawn inputs by dotted name, shape ``(n,)`` each; ``derived`` as in
    :func:`log_paths`. Returns notes for the result (e.g. the fitted trend).
    """
    notes: dict[str, Any] = {}
    paths = log_paths(scenario, values, seed, n, data_dir, notes, threads or 1, derived)
    if paths.extra is not None:
        summary.events["exhaustion"], notes["gap_tables"] = run_pass(paths, summary, progress)
        return notes
    summary.events["exhaustion"] = exhaustion(paths, threads or 1)
    summarise_quarters(paths, summary, threads, progress)
    return notes
