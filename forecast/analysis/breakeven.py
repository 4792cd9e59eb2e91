"""When does a synthetic-heavy mix become the cheaper run? Break-evens by goal-seek.

For a scenario that prices the cheapest run reaching a target quality with a mostly synthetic mix
(``palmyra-x-004.yaml``), :func:`mix_breakeven` compares that mix (its median synthetic share) with
0% synthetic, both sized for the same target and priced on the same samples: the scenario with a
``mixes`` section of the two shares. The synthetic-heavy mix is "the cheaper one" when it is the
scenario's cheapest share (``cost.cheapest_share``, docs/nomenclature.md): cheaper in more of the
samples than 0% synthetic (ties go to 0%), i.e. the median of the paired cost difference is below 0.

For each input of :data:`LEVERS` the break-even is the input's median at which that flips,
found by :func:`forecast.analysis.solve.solve` (target ``cheapest_share >= <share>``; the input keeps
its spread): what a synthetic token is worth against a human one, the licence price of human text,
and the all-in price of a synthetic training token (generation and judging, priced per kept token,
:data:`ALL_IN`). Nothing here is a root finder of its own: the search, its range and its tolerance
are solve's.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecast.io.overrides import is_spec, value_at, with_values

__all__ = ["ALL_IN", "BREAKEVEN_SAMPLES", "COLUMNS", "LEVERS", "Lever", "SCAN_POINTS", "mix_breakeven", "no_judge",
           "synthetic_price", "with_two_mixes"]


@dataclass(frozen=True)
class Lever:
    """An input whose break-even is sought: dotted name, search range [its base units] and the
    scenario changes made first (``set``)."""

    name: str
    low: float
    high: float
    set: tuple[tuple[str, Any], ...] = ()


#: Synthetic data priced all in, per million synthetic training tokens: an API whose output price is
#: the whole price of a kept token (every token kept, prompts free, no paid judge: :func:`no_judge`).
ALL_IN = (("cost.synthetic_data.method", "api"), ("cost.synthetic_data.acceptance_rate", 1.0),
          ("cost.synthetic_data.input_price_per_mtok", 0.0),
          ("cost.synthetic_data.generator_params", None), ("cost.synthetic_data.utilisation", None))


def no_judge(scenario: Any) -> dict[str, Any]:
    """The changes that leave ``scenario`` with no paid judge: none where it names no judge; where it
    does, its share and price unset when the schema has ``judge_share`` (a judge is priced only where
    one is used), else a judge price of $0."""
    from forecast.schema.cost import SyntheticDataSpec

    if value_at(scenario, "cost.synthetic_data.judge_price_per_mtok") is None:
        return {}
    if "judge_share" in SyntheticDataSpec.model_fields:
        return {"cost.synthetic_data.judge_share": None, "cost.synthetic_data.judge_price_per_mtok": None}
    return {"cost.synthetic_data.judge_price_per_mtok": 0.0}


#: The inputs solved for: what a synthetic token is worth against a human one [ratio]; the licence
#: price of human text on top of its processing [USD per million tokens]; the all-in price of a
#: synthetic training token, generation and judging together [USD per million tokens] (:data:`ALL_IN`).
LEVERS = (Lever("cost.quality.synthetic_value", 0.3, 30.0),
          Lever("cost.human_data.license_per_mtok", 0.01, 100.0),
          Lever("cost.synthetic_data.output_price_per_mtok", 0.001, 10.0,
                ALL_IN + (("cost.synthetic_data.output_price_per_mtok", 1.0),)))

#: Values of each lever's first scan (solve's bracket; bisection follows): few, as the ranges are
#: narrow and the outcome moves one way along them.
SCAN_POINTS = 5

#: Monte Carlo samples per evaluation of the search (the report's). For palmyra-x-004 the break-evens
#: at 2,000 and 5,000 samples differ by 1-2% for the synthetic value and the licence price, and by
#: 15% for the all-in synthetic price, whose effect on the paired difference is flat near the
#: break-even (docs/report.md rounds it to one significant digit).
BREAKEVEN_SAMPLES = 2000

#: Columns of :func:`mix_breakeven`'s frame.
COLUMNS = ["input", "today_p50", "breakeven", "found", "synthetic_share", "human_p50", "synthetic_p50",
           "p_synthetic_cheaper", "samples"]


def _median(spec: Any) -> float:
    return float(spec.to_distribution().ppf(np.array([0.5]))[0])


def with_two_mixes(scenario: Any) -> tuple[Any, float]:
    """``scenario`` with a ``mixes`` section of 0% and its run's median synthetic share, and that share."""
    spec = value_at(scenario, "cost.run.mix.synthetic")
    share = _median(spec) if is_spec(spec) else float(spec)
    share = float(f"{share:.6g}")
    return with_values(scenario, {"mixes": {"synthetic_shares": [0.0, share]}}, label="break-even"), share


def _evaluate(scenario: Any, share: float, samples: int, data_dir: Path | None,
              threads: int | None = None) -> dict[str, float]:
    import forecast.engine as engine

    curve = engine.run(scenario, samples=samples, data_dir=data_dir, outputs="mixes",
                       threads=threads).tables["mix_curve"]
    curve = curve.set_index("synthetic_share")
    return {"human_p50": float(curve.loc[0.0, "total_p50"]), "synthetic_p50": float(curve.loc[share, "total_p50"]),
            "p_synthetic_cheaper": float(curve.loc[share, "p_cheapest"])}


def synthetic_price(scenario: Any, samples: int, data_dir: Path | None = None) -> float:
    """Median all-in price of a synthetic training token, generation and judging, rejected tokens
    included [USD per million tokens] (nan when the price per GPU-hour follows a fit)."""
    from forecast.engine.cost import CostInputs
    from forecast.engine.inputs import collect_inputs, draw_inputs

    if scenario.cost.compute.price_performance == "fit":
        return math.nan
    values = draw_inputs(collect_inputs(scenario, None, data_dir), scenario.seed, samples, scenario.correlations)
    ci = CostInputs(scenario, values, data_dir)
    per_token = np.broadcast_to(ci.generation_per_token + ci.verification_per_token, (samples,))
    return float(np.median(per_token)) * 1e6


def mix_breakeven(scenario: Any, samples: int = BREAKEVEN_SAMPLES, data_dir: Path | None = None,
                  tolerance: float = 2e-2, threads: int | None = None) -> pd.DataFrame:
    """Break-evens of the synthetic-heavy mix against 0% synthetic (module docstring).

    One row per lever (:data:`LEVERS`), columns :data:`COLUMNS`: the input's median today
    (``today_p50``; for the all-in synthetic price, :func:`synthetic_price`) and at the break-even
    (``breakeven``, nan when no value in the lever's range makes the synthetic-heavy mix the cheaper
    one; ``found`` says which), the median synthetic share compared, both mixes' p50 cost [USD] and
    P(the synthetic-heavy mix is cheaper) at the break-even (at today's value when none is found),
    and the samples per evaluation. ``threads``: per evaluation (the numbers do not depend on it).
    """
    from forecast.analysis.solve import shifted, solve

    both, share = with_two_mixes(scenario)
    target = f"cheapest_share >= {share * 100:.6g}%"
    rows = []
    for lever in LEVERS:
        base = with_values(both, {**dict(lever.set), **no_judge(both)}, label="break-even") if lever.set else both
        sol = solve(base, target, lever.name, low=lever.low, high=lever.high, samples=samples, data_dir=data_dir,
                    tolerance=tolerance, points=SCAN_POINTS, threads=threads)
        today = synthetic_price(both, samples, data_dir) if lever.set else sol.baseline_value
        at = sol.value if sol.value is not None else (today if lever.set else sol.baseline_value)
        moved = with_values(base, {lever.name: shifted(value_at(base, lever.name), at)}, label="break-even")
        rows.append({"input": lever.name, "today_p50": today,
                     "breakeven": math.nan if sol.value is None else float(sol.value),
                     "found": sol.value is not None, **_evaluate(moved, share, samples, data_dir, threads)})
    frame = pd.DataFrame(rows).assign(synthetic_share=share, samples=int(samples))
    return frame[COLUMNS]
