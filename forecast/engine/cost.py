"""Training cost of a data mix: price one run, and find the cheapest run per synthetic share.

Wires the scenario's drawn inputs and the reference CSVs into the kernels of
:mod:`forecast.models.compute_cost`, :mod:`forecast.models.data_cost`, :mod:`forecast.models.collapse` and
:mod:`forecast.models.quality`. All arrays are per sample, shape
``(n,)`` (``(n, 1)`` where the cheapest-run search adds a grid axis).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecast.models import collapse
from forecast.models import compute_cost as CC
from forecast.models import data_cost as DC
from forecast.models import quality as Q
from forecast.models import scaling as S
from forecast.result import CENTRAL_80, MEDIAN, label, quantiles

__all__ = ["run_cost", "run_size", "breakdown_values", "sample_costs", "hardware_row", "CostInputs"]

_STATS = ("mean", *map(label, CENTRAL_80))
#: Shares closer than this are equal (1 − 0.9 is 0.0999… in floating point) [fraction].
_TOLERANCE = 1e-9
#: Samples per call of the cheapest-run search [samples]. Its grid search holds arrays of
#: samples × grid points (201 in the shipped scenarios), several at once: 16,384 rows keep each
#: near 26 MB, where 1,000,000 samples unchunked took 8 GiB (docs/performance.md).
CHUNK = 16_384


def hardware_row(accelerator: str, data_dir: Path | None) -> dict[str, Any]:
    """The row of ``data/hardware.csv`` for an accelerator, as a dict."""
    from forecast.errors import DataError
    from forecast.io.references import read_reference

    frame = read_reference("hardware.csv", data_dir)
    rows = frame[frame["accelerator"] == accelerator]
    if rows.empty:
        raise DataError(f"hardware.csv has no accelerator '{accelerator}'")
    return rows.iloc[0].to_dict()


def _stats(values: np.ndarray) -> dict[str, float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return dict.fromkeys(_STATS, float("inf"))
    return {"mean": float(finite.mean()), **quantiles(finite, CENTRAL_80)}


class CostInputs:
    """Per-sample prices and quality parameters of a cost scenario (arrays of shape (n,))."""

    def __init__(self, scenario: Any, values: dict[str, np.ndarray], data_dir: Path | None,
                 n: int | None = None) -> None:
        cost = scenario.cost
        self.cost = cost
        take = (lambda name: values[name][:n]) if n is not None else (lambda name: values[name])
        self.v = take
        hw = hardware_row(cost.compute.accelerator, data_dir)
        column = {"bf16": "peak_bf16_flops", "fp8": "peak_fp8_flops"}[cost.compute.precision]
        self.peak = float(hw[column])
        self.tdp_watts = float(hw["tdp_w"])
        comp = cost.compute
        years = (cost.run.date.ordinal - comp.price_reference.ordinal) / 4.0
        self.price_factor = CC.price_performance_factor(years, take("cost.compute.price_performance"))
        if comp.method == "rental":
            hourly = take("cost.compute.price_per_gpu_hour")
        else:
            a = "cost.compute.amortised."
            hourly = (CC.hardware_cost_per_hour(take(a + "chip_price"), take(a + "amortisation_years"),
                                               take(a + "server_overhead"), take(a + "interconnect_share"))
                      + CC.energy_cost_per_hour(self.tdp_watts, take(a + "server_power_ratio"),
                                               take(a + "tdp_fraction"), take(a + "pue"),
                                               take(a + "electricity_price")))
        #: cost of one GPU-hour at the run's date [USD/GPU-hour]
        self.hourly = hourly * self.price_factor
        self.mfu = take("cost.compute.mfu")
        #: [USD/FLOP]
        self.usd_per_flop = CC.rental_cost(CC.gpu_hours(1.0, self.peak, self.mfu), self.hourly)
        h = "cost.human_data."
        lic, proc, expert = (take(h + k) for k in ("license_per_mtok", "processing_per_mtok", "expert_per_mtok"))
        #: [USD/token] of licensed or crawled human text, and of expert-written text
        self.human_per_token = DC.human_data_cost(1.0, lic, proc, 0.0, expert)
        self.expert_per_token = DC.human_data_cost(1.0, lic, proc, 1.0, expert)
        #: shares of the priced run by kind (arrays)
        self.synthetic_share, self.expert_share = self._shares(values, take)
        s = "cost.synthetic_data."
        syn = cost.synthetic_data
        acceptance = take(s + "acceptance_rate")
        prompt = take(s + "prompt_tokens_per_output_token")
        if syn.method == "api":
            self.generation_per_token = DC.synthetic_api_cost(1.0, acceptance, take(s + "output_price_per_mtok"),
                                                             take(s + "input_price_per_mtok"), prompt)
        else:
            self.generation_per_token = DC.synthetic_selfhosted_cost(
                1.0, acceptance, take(s + "generator_params"), prompt, self.peak,
                take(s + "utilisation"), self.hourly)
        #: a paid judge only where the scenario says one reads the output (judge_share)
        if syn.judge_share is not None:
            self.verification_per_token = DC.verification_cost(
                DC.generated_tokens(1.0, acceptance), take(s + "judge_price_per_mtok")) * take(s + "judge_share")
        else:
            self.verification_per_token = np.zeros_like(np.asarray(acceptance, dtype=float))
        q = "cost.quality."
        self.loss = {k: take(q + "loss." + k) for k in ("E", "A", "B", "alpha", "beta")}
        self.synthetic_value = take(q + "synthetic_value")
        self.generations = np.maximum(np.rint(take(q + "collapse.generations")), 0.0)  # whole rounds, ≥ 0
        self.strength = take(q + "collapse.strength")
        self.floor = take(q + "real_data_floor")
        #: unique synthetic tokens and their R_D* when the run repeats them (None: all tokens new)
        self.unique = take(s + "unique_tokens") if syn.unique_tokens is not None else None
        if self.unique is not None:
            self.decay = take(s + "decay_constant" if syn.decay_constant is not None
                              else "supply.repetition.decay_constant")

    def _shares(self, values: dict[str, np.ndarray], take) -> tuple[np.ndarray, np.ndarray]:
        mix = self.cost.run.mix
        given = {k: (take(f"cost.run.mix.{k}") if getattr(mix, k) not in (None, "rest") else None)
                 for k in ("human", "expert", "synthetic")}
        size = len(take("cost.compute.mfu"))
        rest = np.clip(1.0 - sum(v for v in given.values() if v is not None), 0.0, 1.0)
        share = {k: (rest if getattr(mix, k) == "rest" else v if v is not None else np.zeros(size))
                 for k, v in given.items()}
        return share["synthetic"], share["expert"]

    def penalty(self, share) -> np.ndarray:
        return collapse.collapse_penalty(share, self.generations, self.strength, self.cost.quality.collapse.workflow)

    def plateau(self, share) -> np.ndarray | float:
        """Loss plateau of the tail-loss workflow [nats/token]; 0.0 for replace and accumulate."""
        if self.cost.quality.collapse.workflow != "tail_loss":
            return 0.0
        return collapse.collapse_plateau(share, self.generations, self.strength, "tail_loss")

    def data_cost_per_token(self, share, expert) -> np.ndarray:
        """Average cost of one training token of a mix with synthetic ``share`` and ``expert`` share [USD/token]."""
        return ((1.0 - share - expert) * self.human_per_token + expert * self.expert_per_token
                + share * (self.generation_per_token + self.verification_per_token))

    def target_loss(self) -> np.ndarray:
        t = self.cost.target
        if t.loss is not None:
            return self.v("cost.target.loss")
        return Q.chinchilla_loss(self.v("cost.target.reference_params"), self.v("cost.target.reference_tokens"),
                                 **self.loss)

    def cheapest(self, share, expert, chunk: int | None = None) -> dict[str, np.ndarray]:
        """The cheapest run reaching the target at synthetic ``share`` and ``expert`` share (arrays (n,)).

        The grid search holds a (samples × grid points) array per intermediate, so samples go
        through :func:`~forecast.models.quality.cheapest_run` ``chunk`` rows at a time (default
        :data:`CHUNK`). Every operation there is per sample, so the result is the same, bit for
        bit, whatever the chunk size.
        """
        grid = self.cost.target.params_grid
        target = self.target_loss()
        plateau = self.plateau(share)
        if np.ndim(plateau):  # the plateau uses up part of the loss budget: L − P with E, A, B unchanged
            target = target - plateau
        args = [np.asarray(x, dtype=float) for x in (
            target, share, self.synthetic_value, self.penalty(share),
            *(self.loss[k] for k in ("E", "A", "B", "alpha", "beta")),
            self.usd_per_flop, self.data_cost_per_token(share, expert))]
        sizes = np.geomspace(grid.low, grid.high, grid.points)
        n = max((x.shape[0] for x in args if x.ndim), default=0)
        if n == 0:  # every input a scalar: one run
            return Q.cheapest_run(*args, sizes)
        step = max(1, int(chunk or CHUNK))

        def rows(x: np.ndarray, lo: int) -> np.ndarray:  # a per-sample input's rows as a (rows, 1) column
            if not x.ndim:
                return x
            return (x[lo:lo + step] if x.shape[0] == n else x).reshape(-1, 1)

        runs = [Q.cheapest_run(*(rows(x, lo) for x in args), sizes) for lo in range(0, n, step)]
        if len(runs) == 1:
            return runs[0]
        return {k: np.concatenate([r[k] for r in runs]) for k in runs[0]}


def breakdown_values(ci: CostInputs, params: np.ndarray, tokens: np.ndarray, share: Any = None,
                     expert_share: Any = None) -> dict[tuple[str, str], np.ndarray]:
    """Each cost item and the run's size per sample, by ``(item, unit)``.

    ``share`` and ``expert_share`` default to the priced run's mix; the point estimate passes the
    shares of ``mixes`` to price the same run with another mix.
    """
    share = ci.synthetic_share if share is None else share
    expert_share = ci.expert_share if expert_share is None else expert_share
    human_all, synthetic = DC.split_mix(tokens, share)
    expert = tokens * expert_share
    human = human_all - expert
    flop = CC.training_flop(params, tokens)
    compute = flop * ci.usd_per_flop
    generated = synthetic  # synthetic tokens generated (and judged): all seen, or the unique ones
    valued = synthetic     # synthetic tokens as the loss counts them
    if ci.unique is not None:
        # repeated synthetic data: generation scales with the unique tokens, value with the
        # repeated-data law (Muennighoff et al. 2023), as for the human stock
        generated = np.minimum(ci.unique, synthetic)
        with np.errstate(divide="ignore", invalid="ignore"):
            epochs = np.where(generated > 0, synthetic / generated, 0.0)
        valued = S.effective_repeated_tokens(generated, epochs, ci.decay)
    rows = {
        ("compute", "usd"): compute,
        ("human_data", "usd"): human * ci.human_per_token,
        ("expert_data", "usd"): expert * ci.expert_per_token,
        ("synthetic_generation", "usd"): generated * ci.generation_per_token,
        ("verification", "usd"): generated * ci.verification_per_token,
    }
    rows[("total", "usd")] = sum(rows.values())
    rows[("gpu_hours", "hours")] = CC.gpu_hours(flop, ci.peak, ci.mfu)
    rows[("price_per_gpu_hour_at_run_date", "usd")] = ci.hourly
    rows[("training_flop", "flop")] = flop
    rows[("params", "params")] = params
    rows[("tokens", "tokens")] = tokens
    rows[("synthetic_tokens", "tokens")] = synthetic
    penalty = ci.penalty(share)
    if ci.unique is not None:
        rows[("synthetic_unique_tokens", "tokens")] = generated
        rows[("synthetic_epochs", "number")] = epochs
        rows[("synthetic_effective_tokens", "tokens")] = valued
    rows[("collapse_penalty", "fraction")] = penalty
    plateau = ci.plateau(share)
    if np.ndim(plateau):
        rows[("collapse_plateau", "number")] = plateau
    rows[("loss", "number")] = Q.mix_loss(params, human_all, valued, ci.synthetic_value, penalty, **ci.loss,
                                          plateau=plateau)
    return rows


def _breakdown(ci: CostInputs, params: np.ndarray, tokens: np.ndarray,
               outcomes: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    rows = breakdown_values(ci, params, tokens)
    if outcomes is not None:
        outcomes["cost.total"] = np.broadcast_to(np.asarray(rows[("total", "usd")], dtype=float),
                                                 np.shape(ci.usd_per_flop)).copy()
    frame = pd.DataFrame([{"item": k, "unit": u, **_stats(np.asarray(v, dtype=float))}
                          for (k, u), v in rows.items()])
    return frame


def _mix_curve(ci: CostInputs, shares: tuple[float, ...]) -> tuple[pd.DataFrame, np.ndarray]:
    totals = []
    rows = []
    for share in shares:
        run = ci.cheapest(np.full_like(ci.usd_per_flop, share), np.minimum(ci.expert_share, 1.0 - share))
        totals.append(run["total_cost"])
        rows.append({"synthetic_share": share,
                     "params_p50": _stats(run["params"])[label(MEDIAN)] if np.isfinite(run["params"]).any() else np.nan,
                     "tokens_p50": _stats(run["tokens"])[label(MEDIAN)],
                     "compute_p50": _stats(run["compute_cost"])[label(MEDIAN)],
                     "data_p50": _stats(run["data_cost"])[label(MEDIAN)],
                     **{f"total_{k}": v for k, v in _stats(run["total_cost"]).items() if k != "mean"},
                     "p_below_real_data_floor": float(np.mean((1.0 - share) < ci.floor - _TOLERANCE))})
    stacked = np.vstack(totals)
    reached = np.isfinite(stacked).any(axis=0)
    # A sample in which no share reaches the target has no cheapest share (nan), not the first one.
    best = np.where(reached, np.asarray(shares)[np.argmin(np.where(np.isfinite(stacked), stacked, np.inf), axis=0)],
                    np.nan)
    frame = pd.DataFrame(rows)
    frame["p_cheapest"] = [float(np.mean(best == s)) if reached.any() else float("nan") for s in shares]
    return frame, best


def _priced_run(ci: CostInputs, values: dict[str, np.ndarray], notes: dict[str, Any],
                outcomes: dict[str, np.ndarray] | None) -> pd.DataFrame:
    """The ``cost_breakdown`` table of the scenario's own run: given, or the cheapest for the target."""
    if ci.cost.run.size == "given":
        params, tokens = values["cost.run.params"], values["cost.run.tokens"]
    else:
        run = ci.cheapest(ci.synthetic_share, ci.expert_share)
        params, tokens = run["params"], run["tokens"]
        #: share of samples in which some model size of the grid reaches the target [fraction]
        notes["run_target_reached"] = float(np.mean(np.isfinite(run["total_cost"])))
    with np.errstate(invalid="ignore"):  # an unreachable run: inf tokens × a 0% share = nan, left out by _stats
        return _breakdown(ci, params, tokens, outcomes)


def run_size(ci: CostInputs, values: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Active parameters and tokens of the priced run: given, or the cheapest for the target."""
    if ci.cost.run.size == "given":
        return values["cost.run.params"], values["cost.run.tokens"]
    run = ci.cheapest(ci.synthetic_share, ci.expert_share)
    return run["params"], run["tokens"]


def run_cost(scenario: Any, values: dict[str, np.ndarray], seed: int, n: int, data_dir: Path | None,
             notes: dict[str, Any], outcomes: dict[str, np.ndarray] | None = None,
             price_run: bool = True) -> dict[str, pd.DataFrame]:
    """Price the scenario's run (and compare mixes when asked); tidy tables by name.

    ``outcomes``, when given, receives per-sample ``cost.total`` [USD] of the priced run.
    ``price_run=False`` leaves the priced run out (no ``cost_breakdown``): the mix curve alone, for
    a question only the mixes answer (the cheapest share); the curve is the same either way.
    """
    cost = scenario.cost
    ci = CostInputs(scenario, values, data_dir)
    tables: dict[str, pd.DataFrame] = {}
    if price_run:
        tables["cost_breakdown"] = _priced_run(ci, values, notes, outcomes)
    if cost.target is not None:
        target = ci.target_loss()
        notes["target_loss"] = _stats(target)
    if scenario.mixes is not None:
        m = scenario.mixes.samples
        mix_ci = ci if m is None or m >= n else CostInputs(scenario, values, data_dir, n=m)
        curve, best = _mix_curve(mix_ci, scenario.mixes.synthetic_shares)
        tables["mix_curve"] = curve
        reached = best[np.isfinite(best)]
        #: share of samples in which at least one synthetic share reaches the target [fraction]
        notes["target_reached"] = reached.size / best.size
        notes["cheapest_share"] = (quantiles(reached, CENTRAL_80, method="inverted_cdf") if reached.size
                                   else dict.fromkeys(map(label, CENTRAL_80), float("nan")))
    return tables


def sample_costs(scenario: Any, values: dict[str, np.ndarray], data_dir: Path | None) -> dict[str, np.ndarray]:
    """Per-sample costs, as the tables of :func:`run_cost` summarise them (arrays of shape (n,)) [USD].

    ``cost.total``: the priced run's total (the ``total`` row of ``cost_breakdown``; ``inf`` where a
    run sized for the target cannot reach it). With a ``mixes`` section, ``cost.mix.<share>``: the
    cheapest run reaching the target at that synthetic share (``mix_curve`` total), and
    ``cost.cheapest_share``: the share with the lowest of those per sample [fraction] (``nan`` where
    no share reaches the target). Every sample is used (``mixes.samples`` does not subsample here).
    """
    ci = CostInputs(scenario, values, data_dir)
    params, tokens = run_size(ci, values)
    with np.errstate(invalid="ignore"):
        total = np.asarray(breakdown_values(ci, params, tokens)[("total", "usd")], dtype=float)
    out = {"cost.total": np.where(np.isnan(total), np.inf, total)}
    if scenario.mixes is not None:
        shares = scenario.mixes.synthetic_shares
        totals = []
        for share in shares:
            run = ci.cheapest(np.full_like(ci.usd_per_flop, share), np.minimum(ci.expert_share, 1.0 - share))
            totals.append(np.asarray(run["total_cost"], dtype=float))
            out[f"cost.mix.{share:g}"] = totals[-1]
        stacked = np.vstack(totals)
        reached = np.isfinite(stacked).any(axis=0)
        pick = np.argmin(np.where(np.isfinite(stacked), stacked, np.inf), axis=0)
        out["cost.cheapest_share"] = np.where(reached, np.asarray(shares)[pick], np.nan)
    return out
