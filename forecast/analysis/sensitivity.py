"""What moves the answer: one-at-a-time swings and Sobol indices of a scenario's headline outputs.

Both analyses put input values through the engine's kernels with
:func:`forecast.engine.evaluate.evaluate` (one vectorised call per design, ``n`` = rows), over the
inputs that have a spread (:func:`forecast.engine.evaluate.axes`).

**Outputs** (per model evaluation):

* ``exhaustion``: the exhaustion quarter's end [decimal year]; a sample exhausted after the horizon
  counts as the quarter after the horizon's last (censored), so that variances are finite;
* ``exhaustion.by_2030``: 1 when exhausted by the end of 2030, else 0 (its mean is P(exhausted by
  2030)); present when 2030 lies inside the horizon;
* ``cost.total``: the priced run's total cost [USD]; a run that cannot reach its target counts at
  the largest finite cost of the design (censored);
* ``cost.mix.<share>``: with a ``mixes`` section, the cheapest run at each synthetic share [USD];
* ``cost.cheapest_share``: the synthetic share with the lowest cost [fraction].

**One-at-a-time swings** (the tornado): every input at its median, then each input in turn at its
p10 and at its p90 with the others at their medians: ``1 + 2k`` evaluations for ``k`` inputs.
P(exhausted by 2030) of a single point is 0 or 1, so for that output each input is held at its p10
(p90) while the others keep their distributions (``swing_samples`` draws, the scenario's seed).

**Sobol indices** (Saltelli 2002; Saltelli et al. 2010): SALib's scrambled Sobol design
(``SALib.sample.sobol``) in the unit hypercube, mapped through each input's inverse CDF, and
``SALib.analyze.sobol`` for first-order (S1) and total (ST) indices with bootstrap 95% confidence
intervals; seeded with the scenario's seed. The design has ``N·(k + 2)`` rows, ``N`` the largest
power of two within the budget. Inputs are treated as independent: the scenario's correlations are
not applied.

**Costs on a log scale.** The indices of a cost (``cost.total``, ``cost.mix.<share>``) are those of
its natural logarithm (:func:`log_scaled`): the share of the spread of cost *ratios*, where a cost
twice the median weighs as much as one half of it. A cost's spread is multiplicative and
right-skewed (a run near its collapse limit costs several times the median), and the variance of the
cost itself is ruled by those few runs: in the first 2026Q4 report, palmyra-x-004 at 7,680 runs had
its top input's S1 at 0.64 ± 0.43 with the S1 summing to 1.1, still ± 0.21 at 122,880 runs; of log
cost, S1 0.41 ± 0.07 at 7,680 runs, summing to 0.98. The swings stay in USD.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecast.engine.evaluate import Outcomes, axes, evaluate
from forecast.outputs import BY_YEAR

__all__ = ["COLUMNS", "design_size", "log_scaled", "one_at_a_time", "sobol", "sobol_indices", "sensitivity",
           "top_inputs"]

def log_scaled(output: str) -> bool:
    """Whether the Sobol indices of ``output`` are of its logarithm: every cost but the cheapest share
    (module docstring)."""
    return output.startswith("cost.") and output != "cost.cheapest_share"


#: Columns of :func:`sensitivity`.
COLUMNS = ["output", "input", "distribution", "input_p10", "input_p50", "input_p90", "base", "at_p10",
           "at_p90", "swing", "S1", "S1_conf", "ST", "ST_conf", "rank"]
def _outputs(scenario: Any, out: Outcomes) -> dict[str, np.ndarray]:
    """Finite per-evaluation outputs (censored as the module docstring says)."""
    found: dict[str, np.ndarray] = {}
    if out.exhaustion is not None:
        years = out.exhaustion_year()
        last = scenario.horizon.end.end_year
        found["exhaustion"] = np.where(np.isfinite(years), years, last + 0.25)
        if scenario.horizon.start.end_year <= BY_YEAR + 1.0 <= last:
            found[f"exhaustion.by_{BY_YEAR}"] = (years <= BY_YEAR + 1.0 + 1e-9).astype(float)
    for key, values in out.costs.items():
        values = np.asarray(values, dtype=float)
        if key == "cost.cheapest_share":
            found[key] = values
            continue
        finite = values[np.isfinite(values)]
        found[key] = np.where(np.isfinite(values), values, finite.max() if finite.size else np.nan)
    return found


def one_at_a_time(scenario: Any, data_dir: Path | None = None, swing_samples: int | None = None,
                  threads: int = 1) -> pd.DataFrame:
    """Swings of every output with each input at its p10 and p90 (module docstring).

    Returns a tidy frame: output, input, distribution, input_p10/p50/p90 (the input's values, base
    units), base (all inputs at their medians), at_p10, at_p90, swing = |at_p90 − at_p10|.
    """
    found = axes(scenario, data_dir)
    names = list(found)
    k = len(names)
    levels = {name: (found[name].at(0.1), found[name].at(0.5), found[name].at(0.9)) for name in names}
    design = {name: np.full(1 + 2 * k, levels[name][1]) for name in names}
    for j, name in enumerate(names):
        design[name][1 + 2 * j] = levels[name][0]
        design[name][2 + 2 * j] = levels[name][2]
    ys = _outputs(scenario, evaluate(scenario, design, 1 + 2 * k, data_dir=data_dir, threads=threads))
    by_key = f"exhaustion.by_{BY_YEAR}"
    conditional: dict[str, np.ndarray] = {}
    if by_key in ys:
        m = int(swing_samples or min(scenario.samples, 20_000))
        cond = np.empty(1 + 2 * k)
        base = evaluate(scenario, {}, m, data_dir=data_dir, threads=threads)
        cond[0] = _outputs(scenario, base)[by_key].mean()
        for j, name in enumerate(names):
            for i, level in ((1, 0), (2, 2)):
                out = evaluate(scenario, {name: levels[name][level]}, m, data_dir=data_dir, threads=threads)
                cond[i + 2 * j] = _outputs(scenario, out)[by_key].mean()
        conditional[by_key] = cond
    rows = []
    for key, y in {**ys, **conditional}.items():
        for j, name in enumerate(names):
            low, high = float(y[1 + 2 * j]), float(y[2 + 2 * j])
            rows.append({"output": key, "input": name, "distribution": found[name].description,
                         "input_p10": levels[name][0], "input_p50": levels[name][1],
                         "input_p90": levels[name][2], "base": float(y[0]), "at_p10": low, "at_p90": high,
                         "swing": abs(high - low) if np.isfinite(high - low) else math.nan})
    return pd.DataFrame(rows)


def design_size(inputs: int, budget: int) -> int:
    """SALib's base sample ``N``: the largest power of two with ``N·(inputs + 2) ≤ budget`` (≥ 2)."""
    per = inputs + 2
    return max(2, 2 ** int(math.floor(math.log2(max(budget // per, 2)))))


def sobol(names: list[str], ppfs: list[Any], model: Any, budget: int, seed: int,
          resamples: int = 100) -> tuple[dict[str, pd.DataFrame], int]:
    """Sobol indices of ``model`` over independent inputs given by their inverse CDFs.

    ``model(design)`` takes ``{name: values}`` (arrays of the design's rows) and returns
    ``{output: values}``. The design is SALib's scrambled Sobol sequence of ``N·(k + 2)`` rows
    (:func:`design_size`), kept off 0 and 1 by half a row's share so that unbounded inverse CDFs stay
    finite. Returns ``{output: frame with S1, S1_conf, ST, ST_conf per input}`` (``nan`` for an output
    that does not vary) and the number of rows evaluated.
    """
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    n = design_size(len(names), budget)
    u = sample.sample(problem, n, calc_second_order=False, seed=seed % 2**32)
    rows = u.shape[0]
    u = np.clip(u, 0.5 / rows, 1.0 - 0.5 / rows)
    design = {name: ppf(u[:, j]) for j, (name, ppf) in enumerate(zip(names, ppfs))}
    del u
    ys = model(design)
    del design
    out = {}
    for key, y in ys.items():
        y = np.asarray(y, dtype=float)
        if not np.all(np.isfinite(y)) or float(np.var(y)) == 0.0:
            result = dict.fromkeys(("S1", "S1_conf", "ST", "ST_conf"), np.full(len(names), np.nan))
        else:
            result = analyze.analyze(problem, y, calc_second_order=False, num_resamples=resamples,
                                     seed=seed % 2**32)
        out[key] = pd.DataFrame({"input": list(names),
                                 **{col: np.asarray(result[col], dtype=float) for col in
                                    ("S1", "S1_conf", "ST", "ST_conf")}})
    return out, rows


#: Rows of the Sobol design evaluated at once (bounds memory; results do not depend on it).
CHUNK = 32_768


def sobol_indices(scenario: Any, budget: int = 100_000, data_dir: Path | None = None,
                  seed: int | None = None, threads: int = 1, resamples: int = 100,
                  chunk: int = CHUNK) -> pd.DataFrame:
    """First-order and total Sobol indices of every output of a scenario (module docstring).

    ``budget`` is the number of model evaluations allowed; the design uses ``N·(k + 2)`` of them,
    evaluated as one :func:`~forecast.engine.evaluate.evaluate` call. Returns output, input, S1,
    S1_conf, ST, ST_conf (95% bootstrap half-widths); a cost's indices are of its logarithm.
    """
    found = axes(scenario, data_dir)
    names = list(found)
    seed = scenario.seed if seed is None else int(seed)

    def model(design: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        # Every input with a spread is given, so rows are independent: chunks bound the memory of
        # the cost model's search over model sizes (rows × params_grid.points) with the same result.
        rows = len(next(iter(design.values())))
        parts = [evaluate(scenario, {k: v[lo:lo + chunk] for k, v in design.items()}, data_dir=data_dir,
                          threads=threads) for lo in range(0, rows, chunk)]
        merged = Outcomes(parts[0].quarters,
                          None if parts[0].exhaustion is None else np.concatenate([p.exhaustion for p in parts]),
                          {key: np.concatenate([p.costs[key] for p in parts]) for key in parts[0].costs})
        found = _outputs(scenario, merged)
        return {k: (np.log(v) if log_scaled(k) and np.all(v > 0) else v) for k, v in found.items()}

    by_output, rows = sobol(names, [found[name].ppf for name in names], model, budget, seed, resamples)
    frame = pd.concat([f.assign(output=key) for key, f in by_output.items()], ignore_index=True)
    frame = frame[["output", "input", "S1", "S1_conf", "ST", "ST_conf"]]
    frame.attrs["evaluations"] = rows
    return frame


def sensitivity(scenario: Any, budget: int = 100_000, data_dir: Path | None = None,
                swing_samples: int | None = None, threads: int = 1) -> pd.DataFrame:
    """Swings and Sobol indices of every headline output, one row per output and input.

    Columns :data:`COLUMNS`; within each output, rows are sorted by total index (``rank`` 1 = the
    input that explains most of the output's variance, alone and with others), then by swing.
    This is the table the quarterly report's "what moves the answer" section shows, with
    :func:`forecast.report.charts.analysis.tornado_figure`.
    """
    swings = one_at_a_time(scenario, data_dir, swing_samples, threads)
    indices = sobol_indices(scenario, budget, data_dir, threads=threads)
    frame = swings.merge(indices, on=["output", "input"], how="left")
    frame["_order"] = frame["output"].map({k: i for i, k in enumerate(dict.fromkeys(frame["output"]))})
    frame = frame.sort_values(["_order", "ST", "swing"], ascending=[True, False, False], na_position="last",
                              kind="stable")
    frame["rank"] = frame.groupby("output").cumcount() + 1
    frame = frame.drop(columns="_order").reset_index(drop=True)[COLUMNS]
    frame.attrs["evaluations"] = indices.attrs.get("evaluations", 0)
    return frame


def top_inputs(frame: pd.DataFrame, output: str, count: int = 5) -> pd.DataFrame:
    """The ``count`` highest-ranked inputs of one output."""
    return frame[frame["output"] == output].head(count)
