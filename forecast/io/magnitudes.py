"""Values that are legal but almost certainly a unit slip, as warnings that say what was meant.

A scenario that parses may still say something no planner means: a text stock of ``300`` (300
tokens, where ``300T`` was meant), a training dataset of ``2e21`` tokens (a FLOP count in the
tokens field), a model of ``175`` parameters (``175B``), an MFU no training run has reached, or a
GPU-hour price that is a node's or a month's. Each becomes a :class:`~forecast.errors.Problem`
in :attr:`forecast.io.scenario.ScenarioFile.warnings` (the CLI prints it as ``warning FILE:LINE:COL
field: message (hint)``) and does not stop the run. The middle of an uncertain input (its median)
is what is judged, so a wide interval is not flagged for its tail.

Impossible values are errors elsewhere: a fraction above 100% (an MFU of 120%) is refused when the
value is read (:func:`forecast.units.parse_quantity`).
"""
from __future__ import annotations

from typing import Any, Callable

from forecast.errors import Problem
from forecast.units import format_quantity

__all__ = ["magnitude_warnings", "SMALLEST_STOCK", "SMALLEST_DATASET", "LARGEST_DATASET", "SMALLEST_MODEL",
           "LARGEST_MFU", "LARGEST_GPU_HOUR_PRICE"]

#: Below this a text stock is a unit slip: the components of data/text_stock.csv hold 4.3e11
#: (public code) to 3.1e15 (whole web) tokens [tokens].
SMALLEST_STOCK = 1e9
#: Below this a training dataset is a unit slip: the smallest in data/notable_models.csv is
#: BERT-Large's 1.28e11 tokens (2018) [tokens].
SMALLEST_DATASET = 1e6
#: Above this a training dataset is a unit slip: a thousand times the whole web's text, 3.1e15
#: tokens (Villalobos et al. 2024; data/text_stock.csv), and the size of a FLOP count [tokens].
LARGEST_DATASET = 1e18
#: Below this a language model's size is a unit slip: the smallest in data/notable_models.csv is
#: GPT-1's 1.17e8 parameters (2018) [params].
SMALLEST_MODEL = 1e6
#: Above this an MFU is beyond any published large training run: PaLM 46.2% (Chowdhery et al. 2022,
#: Table 3), MegaScale 55.2% on 12,288 GPUs (Jiang et al. 2024) [fraction].
LARGEST_MFU = 0.75
#: Above this a price per GPU-hour is a node's or a month's: data/gpu_prices.csv spans $0.19 to
#: $12.29 per GPU-hour [USD/GPU-hour].
LARGEST_GPU_HOUR_PRICE = 100.0

Locate = Callable[[tuple], tuple[str, int, int]]


def _median(spec: Any) -> float:
    return float(spec.to_distribution().quantile(0.5))


def _times(value: float, suffix: str) -> str:
    """``300`` → ``300T``: the number as written with a magnitude suffix (when it is a small count)."""
    return f"{value:g}{suffix}"


def magnitude_warnings(scenario: Any, locate: Locate) -> list[Problem]:
    """Warnings for the unit slips of the module docstring, each at the field's file, line and column."""
    out: list[Problem] = []

    def warn(path: tuple, message: str, hint: str) -> None:
        out.append(Problem(*locate(path), ".".join(map(str, path)), message, hint))

    if scenario.supply is not None:
        for component, source in scenario.supply.sources.items():
            if source.stock is None:
                continue
            v = _median(source.stock)
            if v < SMALLEST_STOCK:
                meant = f"did you mean {_times(v, 'T')}? T is trillions of tokens" if v < 1e4 else \
                    "check the magnitude suffix: B is billions, T trillions of tokens"
                warn(("supply", "sources", component, "stock"),
                     f"a stock of {format_quantity(v, 'tokens')} tokens is implausibly small: the components of "
                     "data/text_stock.csv hold hundreds of billions to quadrillions", meant)
    datasets = []
    if (scenario.demand is not None and scenario.demand.historical is not None
            and not scenario.demand.historical.level_from_fit):
        datasets.append((("demand", "historical", "current_largest"), scenario.demand.historical.current_largest))
    models = []
    if scenario.cost is not None:
        cost = scenario.cost
        datasets += [(("cost", "run", "tokens"), cost.run.tokens),
                     (("cost", "synthetic_data", "unique_tokens"), cost.synthetic_data.unique_tokens)]
        models += [(("cost", "run", "params"), cost.run.params),
                   (("cost", "synthetic_data", "generator_params"), cost.synthetic_data.generator_params)]
        if cost.target is not None:
            datasets.append((("cost", "target", "reference_tokens"), cost.target.reference_tokens))
            models.append((("cost", "target", "reference_params"), cost.target.reference_params))
        mfu = _median(cost.compute.mfu)
        if mfu > LARGEST_MFU:
            warn(("cost", "compute", "mfu"),
                 f"an MFU of {format_quantity(mfu, 'fraction')} is above any published large training run "
                 "(PaLM 46.2%, Chowdhery et al. 2022; MegaScale 55.2%, Jiang et al. 2024)",
                 "MFU is the model's FLOP/s over the accelerators' peak, over the whole run; the busy time "
                 "nvidia-smi reports is not MFU; 30% to 45% is typical on H100s")
        price = cost.compute.price_per_gpu_hour
        if price is not None and _median(price) > LARGEST_GPU_HOUR_PRICE:
            warn(("cost", "compute", "price_per_gpu_hour"),
                 f"{format_quantity(_median(price), 'usd')} per GPU-hour is above any rental price in "
                 "data/gpu_prices.csv ($0.19 to $12.29)",
                 "is it the price of a node of 8 GPUs, or of a month? give one GPU for one hour, e.g. $2.50")
    for path, spec in datasets:
        if spec is None:
            continue
        v = _median(spec)
        if v > LARGEST_DATASET:
            warn(path, f"a training dataset of {format_quantity(v, 'tokens')} tokens is over a thousand times "
                       "the whole web's text (about 3e15 tokens, data/text_stock.csv)",
                 "is it a FLOP count? training compute is about 6 × params × tokens FLOP; give tokens, "
                 "e.g. 15T")
        elif v < SMALLEST_DATASET:
            warn(path, f"a training dataset of {format_quantity(v, 'tokens')} tokens is implausibly small "
                       "(the smallest in data/notable_models.csv is BERT-Large's 128B, 2018)",
                 f"did you mean {_times(v, 'B')} or {_times(v, 'T')}?" if v < 1e4 else
                 "check the magnitude suffix: B is billions, T trillions of tokens")
    for path, spec in models:
        if spec is None:
            continue
        v = _median(spec)
        if v < SMALLEST_MODEL:
            warn(path, f"a model of {format_quantity(v, 'params')} parameters is implausibly small "
                       "(the smallest in data/notable_models.csv is GPT-1's 117M, 2018)",
                 f"did you mean {_times(v, 'B')}?" if v < 1e4 else
                 "check the magnitude suffix: M is millions, B billions of parameters")
    return sorted(out, key=lambda p: (p.file, p.line, p.col))
