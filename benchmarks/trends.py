"""Benchmark of the trend backtest (``make bench`` runs it after run.py); not part of the tests.

Times, in a fresh subprocess with an empty fit cache, the whole rolling-origin backtest of every
series in ``data/`` with every method (ols, quantreg, ets, prophet; origins 2019Q1 to the latest
quarter; horizons 4 and 8 quarters): the work ``peakdata trends`` and ``method: best`` do. The
child also reports the time of ``peakdata trends`` end to end (backtest + final fits + the
undisclosed-runs comparison) and of a second, cached call. Target: backtest < 60 s on 2 cores.

    .venv/bin/python benchmarks/trends.py [--json FILE]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 60.0

CHILD = r"""
import json, time
t0 = time.perf_counter()
from forecast.engine.trends import series_observations, trend_report
from forecast.fit.backtest import BacktestSettings, backtest
from forecast.fit.frontier import FrontierRule
from forecast.fit.methods import METHODS, cache_info, clear_cache
from forecast.io.trend_series import SERIES
from forecast.schema.trends import TrendSettings
import statsmodels.api, prophet  # imports are timed apart from the fits
imports = time.perf_counter() - t0
spec = TrendSettings(method="best")
clear_cache()
t0 = time.perf_counter()
fits = 0
for name in SERIES:
    result = backtest(series_observations(name, spec, None), FrontierRule(), BacktestSettings(), tuple(METHODS))
    fits = cache_info()["misses"]
backtest_s = time.perf_counter() - t0
clear_cache()
t0 = time.perf_counter()
trend_report(spec=spec)
report_s = time.perf_counter() - t0
t0 = time.perf_counter()
trend_report(spec=spec)
cached_s = time.perf_counter() - t0
print(json.dumps({"imports_s": imports, "backtest_s": backtest_s, "fits": fits,
                  "report_s": report_s, "cached_report_s": cached_s}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PEAKDATA_CACHE"] = "off"  # time the fits, not the disk cache
    env.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the CLI sets it (forecast/cli/app.py)
    proc = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, cwd=ROOT)
    if proc.returncode:
        sys.stderr.write(proc.stderr)
        return 1
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    figures["cores"] = os.cpu_count()
    ok = figures["backtest_s"] < TARGET_SECONDS
    print(f"imports (statsmodels, prophet)      {figures['imports_s']:6.1f} s")
    print(f"backtest, all series x methods      {figures['backtest_s']:6.1f} s  "
          f"({figures['fits']} fits; target < {TARGET_SECONDS:.0f} s: {'ok' if ok else 'MISSED'})")
    print(f"peakdata trends work, cold cache    {figures['report_s']:6.1f} s")
    print(f"peakdata trends work, cached        {figures['cached_report_s']:6.2f} s")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
