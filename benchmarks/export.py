"""Export benchmark: 100 scenarios × 68 quarters to CSV and XLSX (target: under 10 s); not a test.

Runs the baseline once (``--samples``, default 2,000; untimed), makes ``--scenarios`` copies under
other names (the exports do the same work whatever the numbers are), then times
``forecast.export.writers.write_exports`` for CSV, for XLSX and for both, best of ``--repeat``,
with ``time.perf_counter`` (wall) and ``time.process_time`` (CPU, steadier on a busy machine). Prints a table, the Model sheet's formula count and the target check.

    .venv/bin/python benchmarks/export.py
    .venv/bin/python benchmarks/export.py --scenarios 100 --repeat 3
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 10.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=100)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    import openpyxl

    import forecast.engine as engine
    from forecast.io.scenario import load_scenario
    from forecast.export.writers import write_exports

    item = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    base = engine.run(item.scenario, samples=args.samples, provenance=item.provenance)
    results = [dataclasses.replace(base, scenario=f"baseline-{k:03d}",
                                   point=dataclasses.replace(base.point, scenario=f"baseline-{k:03d}"))
               for k in range(args.scenarios)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for formats in (("csv",), ("xlsx",), ("csv", "xlsx")):
            times, cpu = [], []
            for r in range(args.repeat):
                out = Path(tmp) / f"{'-'.join(formats)}-{r}"
                start, start_cpu = time.perf_counter(), time.process_time()
                paths = write_exports(results, out, formats)
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
            size = sum(p.stat().st_size for p in paths)
            rows.append(("+".join(formats), min(times), min(cpu), size))
        book = Path(tmp) / "xlsx-0" / "peakdata.xlsx"
        ws = openpyxl.load_workbook(book)["Model"]
        count = sum(isinstance(c.value, str) and c.value.startswith("=") for row in ws.iter_rows() for c in row)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{args.scenarios} scenarios × {len(base.quarters)} quarters, best of {args.repeat}, load {load:.1f}")
    print(f"{'formats':<10} {'wall s':>8} {'CPU s':>8} {'MiB':>8}")
    for name, best, cpu_s, size in rows:
        print(f"{name:<10} {best:8.2f} {cpu_s:8.2f} {size / 2**20:8.1f}")
    print(f"Model sheet formulas: {count:,}")
    both = rows[-1][1]
    verdict = "PASS" if both < TARGET_SECONDS else "FAIL"
    print(f"{verdict} csv+xlsx export {both:.2f} s < {TARGET_SECONDS:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
