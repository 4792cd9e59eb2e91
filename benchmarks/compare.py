"""The same projection written four other ways, for the side-by-side benchmark (benchmarks/run.py).

This file imports only numpy (and squigglepy for :func:`epoch_style`), never ``forecast``, so it
also runs in the separate virtual environment the benchmark makes for squigglepy. The model is
peakdata's baseline: one stock source (tokens × growth^t × quality × repetition multiplier),
demand an equal mixture of a historical trend (current largest dataset × fitted growth^t) and a
compute path (D = sqrt(k·r·C/6), C = C0 × h^t); exhaustion = first quarter with demand ≥ stock.
``params`` (JSON from the parent) gives each input's log-normal (mu, sigma) or fixed value, the
quarter ends and the fitted trend's bootstrap slopes.

* :func:`plain_numpy`  — per-sample paths, one (n,) row per quarter, ``np.quantile`` per metric;
  what a careful numpy user writes first.
* :func:`closed_form`  — the floor for the headline: draw the inputs, solve each sample's
  crossing time from the logs, take quantiles of one vector.
* :func:`memory_pass`  — one read of a (quarters × n) float64 array: the floor of any method
  that touches every sample-quarter once.
* :func:`epoch_style`  — the projection computed the way Epoch AI's data-stock code
  (github.com/epoch-research/data-stock, ``src/projections.py``, squigglepy 0.27) computes it:
  per time point, sample the stock afresh (``dist @ n``), take its 101 quantiles one
  ``np.quantile`` call each, and for each of 100 stock-quantile bins draw fresh dataset sizes,
  clip them at the bin's stock quantile (``sq.rclip``) and count the clipped ones as "ran out"
  (``np.isclose``). Written here from reading that code, not copied.
"""
from __future__ import annotations

import json
import sys
import time

import numpy as np

P = (0.05, 0.10, 0.50, 0.90, 0.95)


def _draw(rng: np.random.Generator, spec: dict, n: int) -> np.ndarray:
    if "value" in spec:
        return np.full(n, float(spec["value"]))
    return rng.lognormal(spec["mu"], spec["sigma"], n)


def _inputs(params: dict, n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    v = {k: _draw(rng, params[k], n) for k in ("stock", "growth", "quality", "multiplier",
                                               "hist_current", "comp_current", "comp_growth",
                                               "tokens_per_param", "overtraining")}
    v["quality"] = np.clip(v["quality"], 0.0, 1.0)
    slopes = np.asarray(params["bootstrap_slopes"])
    v["hist_growth"] = 10.0 ** slopes[rng.integers(0, slopes.size, n)]
    v["take_hist"] = rng.random(n) < params["weight"]
    return v


def _event_quarters(first: np.ndarray, q: int) -> list[int]:
    return [int(np.quantile(first, p, method="inverted_cdf")) for p in (0.1, 0.5, 0.9)]


def plain_numpy(params: dict, n: int) -> dict:
    v = _inputs(params, n)
    t_end = np.asarray(params["quarter_ends"])
    q = t_end.size
    first = np.full(n, q)
    stats = {}
    for k, t in enumerate(t_end):
        stock = v["stock"] * v["growth"] ** (t - params["stock_ref"]) * v["quality"] * v["multiplier"]
        hist = v["hist_current"] * v["hist_growth"] ** (t - params["hist_ref"])
        comp = np.sqrt(v["overtraining"] * v["tokens_per_param"]
                       * v["comp_current"] * v["comp_growth"] ** (t - params["comp_ref"]) / 6.0)
        demand = np.where(v["take_hist"], hist, comp)
        gap = np.maximum(demand - stock, 0.0)
        for name, x in (("stock", stock), ("demand", demand), ("ratio", demand / stock),
                        ("synthetic_needed", gap), ("synthetic_share", gap / demand)):
            stats.setdefault(name, []).append([x.mean(), *np.quantile(x, P)])
        hit = (demand >= stock) & (first == q)
        first[hit] = k
    return {"event_quarters": _event_quarters(first, q)}


def closed_form(params: dict, n: int) -> dict:
    v = _inputs(params, n)
    t_end = np.asarray(params["quarter_ends"])
    origin = float(t_end[0])
    log_s0 = np.log(v["stock"] * v["quality"] * v["multiplier"])
    log_sg = np.log(v["growth"])
    h_a = np.log(v["hist_current"]) + (origin - params["hist_ref"]) * np.log(v["hist_growth"])
    h_b = np.log(v["hist_growth"])
    c_b = 0.5 * np.log(v["comp_growth"])
    c_a = (0.5 * np.log(v["overtraining"] * v["tokens_per_param"] * v["comp_current"] / 6.0)
           + (origin - params["comp_ref"]) * c_b)
    d = np.where(v["take_hist"], h_a, c_a) - (log_s0 + (origin - params["stock_ref"]) * log_sg)
    s = np.where(v["take_hist"], h_b, c_b) - log_sg
    with np.errstate(divide="ignore", invalid="ignore"):
        crossing = np.where(s > 0, -d / s, np.where(d >= 0, -np.inf, np.inf))
    first = np.clip(np.ceil(crossing / 0.25), 0, t_end.size).astype(np.int64)
    return {"event_quarters": _event_quarters(first, t_end.size)}


def memory_pass(params: dict, n: int) -> dict:
    """Time one pass (a sum) over a (quarters × n) float64 array already in memory."""
    x = np.ones((len(params["quarter_ends"]), n))
    best = np.inf
    for _ in range(3):
        start = time.perf_counter()
        x.sum()
        best = min(best, time.perf_counter() - start)
    return {"inner_s": best}


def epoch_style(params: dict, n: int) -> dict:
    import squigglepy as sq

    def ln(spec):
        if "value" in spec:
            return float(spec["value"])
        return sq.lognorm(norm_mean=spec["mu"], norm_sd=spec["sigma"])

    slopes = np.sort(np.asarray(params["bootstrap_slopes"]))
    # Epoch AI's code turns the bootstrap into a 95% log-normal interval of the yearly growth
    hist_growth = sq.to(10 ** np.quantile(slopes, 0.025), 10 ** np.quantile(slopes, 0.975), credibility=95)
    stock0, growth, quality, mult = (ln(params[k]) for k in ("stock", "growth", "quality", "multiplier"))
    hist0, comp0, comp_g = (ln(params[k]) for k in ("hist_current", "comp_current", "comp_growth"))
    ratio = float(params["tokens_per_param"]["value"]) * float(params["overtraining"]["value"])
    t_end = np.asarray(params["quarter_ends"])
    per_bin = max(n // 100, 2)
    probability = []
    for t in t_end:
        stock = (stock0 * growth ** (t - params["stock_ref"]) * quality * mult) @ n
        stock_q = [np.quantile(stock, p) for p in np.linspace(0, 1, 101)]
        hist = hist_growth ** (t - params["hist_ref"]) * hist0
        comp = comp0 * comp_g ** (t - params["comp_ref"])
        run_out = []
        for i in range(100):
            h = sq.rclip(hist, stock_q[i + 1]) @ (per_bin // 2)
            c = np.clip((ratio * (comp @ (per_bin // 2)) / 6.0) ** 0.5, 0, stock_q[i + 1])
            samples = np.concatenate((h, c))
            run_out.append(np.isclose(samples, stock_q[i + 1]))
        probability.append(float(np.concatenate(run_out).mean()))
    probability = np.asarray(probability)
    quarters = [int(np.searchsorted(np.maximum.accumulate(probability), p)) for p in (0.1, 0.5, 0.9)]
    return {"event_quarters": quarters}


KINDS = {"numpy": plain_numpy, "closed": closed_form, "membound": memory_pass, "epoch": epoch_style}


def main(argv: list[str]) -> int:
    """``python compare.py KIND N REPEAT PARAMS.json``: prints ``BENCH-RESULT {json}``."""
    import resource

    kind, n, repeat, path = argv[0], int(argv[1]), int(argv[2]), argv[3]
    with open(path, encoding="utf-8") as fh:
        params = json.load(fh)
    fn = KINDS[kind]
    fn(params, min(n, 2000))  # warm-up: imports, first-touch allocations
    times, out = [], {}
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn(params, n)
        times.append(time.perf_counter() - start)
    if "inner_s" in out:
        times = [out["inner_s"]]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    print("BENCH-RESULT " + json.dumps({"kind": kind, "samples": n, "times_s": times, "best_s": min(times),
                                        "event_quarters": out.get("event_quarters"),
                                        "self_maxrss_bytes": rss}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
