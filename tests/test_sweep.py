"""Sweeps: grid files, content-derived seeds, resuming, and identical bytes in-process, on processes and on Dask."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from forecast.cli.app import app
from forecast.errors import ScenarioError
from forecast.analysis.sweep import load_grid, points, run_sweep
from forecast.export.sweep import read_point, run_resumable, write_sweep
from forecast.report.charts.analysis import heatmap_png

ROOT = Path(__file__).resolve().parents[1]
GRIDS = sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml"))

#: Four points of the baseline at 300 samples each: small enough for a cluster test.
SMALL = """\
name: small
base: {base}
samples: 300
set:
  supply.repetition.multiplier: null
  supply.repetition.decay_constant: 15.39
axes:
  demand.compute.growth: [3x/yr, 5x/yr]
  supply.repetition.epochs: {{from: 1, to: 4, steps: 2, scale: log}}
"""


@pytest.fixture()
def small(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL.format(base=ROOT / "scenarios" / "baseline.yaml"), encoding="utf-8")
    return path


def _outputs(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes()
            for name in ("sweep.csv", "sweep.xlsx", "heatmap.png", "heatmap.csv", "meta.json")}


def _sweep(grid_path: Path, out: Path, **how) -> dict[str, bytes]:
    grid = load_grid(grid_path)
    table = run_resumable(grid, out, **how)
    write_sweep(grid, table, out, heatmap_png(grid, table))
    return _outputs(out)


@pytest.mark.parametrize("path", GRIDS, ids=lambda p: p.name)
def test_shipped_grids_load_and_every_point_validates(path):
    grid = load_grid(path)
    found = points(grid)
    assert len(found) == {"growth-by-epochs": 5 * 7, "gpu-price-by-synthetic-share": 7 * 7}[grid.name]
    assert len({p.key for p in found}) == len(found)
    assert grid.chart["x"] in found[0].coords and grid.chart["y"] in found[0].coords


def test_shipped_grid_axes_hold_the_documented_values():
    grid = load_grid(ROOT / "scenarios" / "sweeps" / "growth-by-epochs.yaml")
    found = points(grid)
    assert [p.coords["demand.compute.growth"] for p in found[::7]] == [2.0, 3.0, 4.0, 5.0, 6.0]
    epochs = [p.coords["supply.repetition.epochs"] for p in found[:7]]
    assert epochs == pytest.approx([1, 2, 4, 8, 16, 32, 64])       # log range 1..64 in 7 steps
    assert all(p.scenario.samples == 10_000 for p in found)


def test_identical_bytes_in_process_on_processes_and_on_a_dask_local_cluster(small, tmp_path):
    pytest.importorskip("distributed")
    here = _sweep(small, tmp_path / "here")
    processes = _sweep(small, tmp_path / "processes", workers=2, chunk=1)
    dask = _sweep(small, tmp_path / "dask", workers=2, dask="local", chunk=1)
    assert here == processes == dask


def test_a_point_gets_the_same_row_in_any_grid_order(small, tmp_path):
    reordered = tmp_path / "reordered.yaml"
    reordered.write_text(small.read_text().replace("[3x/yr, 5x/yr]", "[5x/yr, 3x/yr, 4x/yr]"))
    first = run_sweep(load_grid(small)).drop(columns="point")
    second = run_sweep(load_grid(reordered)).drop(columns="point")
    key = ["demand.compute.growth", "supply.repetition.epochs"]
    merged = first.merge(second, on=key, suffixes=("", "_other"))
    assert len(merged) == 4
    for column in first.columns:
        if column not in key:
            assert (merged[column] == merged[f"{column}_other"]).all(), column


def test_an_interrupted_sweep_resumes_with_only_the_missing_points(small, tmp_path):
    out = tmp_path / "out"
    complete = _sweep(small, out)
    files = sorted((out / "points").glob("*.json"))
    assert len(files) == 4
    files[1].unlink()
    files[3].unlink()
    seen = []
    grid = load_grid(small)
    table = run_resumable(grid, out, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(2, 4), (3, 4), (4, 4)]                  # two found on disk, two computed
    write_sweep(grid, table, out, heatmap_png(grid, table))
    assert _outputs(out) == complete


def test_zipped_axes_move_together_and_crossed_axes_multiply(tmp_path):
    base = ROOT / "scenarios" / "palmyra-x-004.yaml"
    text = f"""\
name: zipped
base: {base}
samples: 50
set: {{cost.compute.market: null}}
axes:
  cost.compute.price_per_gpu_hour: [$1, $2, $3]
  cost.compute.mfu: [30%, 35%, 40%]
  cost.run.mix.synthetic: [50%, 90%]
zip: [[cost.compute.price_per_gpu_hour, cost.compute.mfu]]
"""
    path = tmp_path / "zipped.yaml"
    path.write_text(text)
    found = points(load_grid(path))
    assert len(found) == 3 * 2
    pairs = {(p.coords["cost.compute.price_per_gpu_hour"], p.coords["cost.compute.mfu"]) for p in found}
    assert pairs == {(1.0, 0.3), (2.0, 0.35), (3.0, 0.4)}
    path.write_text(text.replace("cost.compute.mfu: [30%, 35%, 40%]", "cost.compute.mfu: [30%, 35%]"))
    with pytest.raises(ScenarioError, match="zipped axes have different lengths"):
        load_grid(path)


def test_bad_grids_are_refused_with_file_line_and_field(tmp_path, small):
    path = tmp_path / "bad.yaml"
    path.write_text(small.read_text().replace("steps: 2", "steps: two").replace("samples: 300", "sample: 300"))
    with pytest.raises(ScenarioError) as info:
        load_grid(path)
    text = str(info.value)
    assert f"{path}:3:1 sample: unknown key 'sample'" in text
    path.write_text(small.read_text().replace("steps: 2", "steps: two"))
    with pytest.raises(ScenarioError, match=r"bad.yaml:\d+:\d+ axes.supply.repetition.epochs.steps: steps must be"):
        load_grid(path)
    path.write_text(small.read_text().replace("[3x/yr, 5x/yr]", "[3, 5]"))
    result = CliRunner().invoke(app, ["sweep", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "demand.compute.growth" in result.output and "bare number" in result.output


GPT = ROOT / "scenarios" / "gpt-class.yaml"
MFU = "axes:\n  cost.compute.mfu: "


@pytest.mark.parametrize("body, expected", [
    # what the schema (forecast.schema.sweep.Sweep) refuses, located like a scenario's errors
    ("sampels: 3\n" + MFU + "[20%]\n", "3:1 sampels: unknown key 'sampels' (did you mean 'samples'?)"),
    ("description: no axes\n", "1:1 axes: missing required field 'axes' (add axes: ... "
                                "(see docs/cli.md#peakdata-sweep))"),
    (MFU + "{from: 10%, to: 20%, step: 3}\n", "4:3 axes.cost.compute.mfu: a range needs from, to and steps "
     "(and optionally scale) (e.g. {from: 2x/yr, to: 5x/yr, steps: 4, scale: linear})"),
    # "  cost.compute.mfu: {" is 21 characters, "from: 10%, to: 20%, steps: 3, " 30 more: scale at column 52
    (MFU + "{from: 10%, to: 20%, steps: 3, scale: lin}\n",
     "4:52 axes.cost.compute.mfu.scale: unknown scale 'lin' (use linear or log)"),
    (MFU + "{from: true, to: 20%, steps: 3}\n",
     "4:22 axes.cost.compute.mfu.from: expected a number, got True (a range runs between two plain values)"),
    (MFU + "[]\n", "4:3 axes.cost.compute.mfu: an axis needs at least one value"),
    ("axes: [cost.compute.mfu]\n", "3:1 axes: axes is a mapping of dotted input: values "
                                   "(e.g. supply.repetition.epochs: [1, 2, 4, 8])"),
    ("samples: 0\n" + MFU + "[20%]\n", "3:1 samples: samples must be a whole number from 1 to 10,000,000"),
    (MFU + "[20%, 30%]\n  cost.run.tokens: [1T]\nzip: [[cost.compute.mfu, cost.run.tokens]]\n",
     "6:7 zip.0: zipped axes have different lengths [1, 2] (give them the same number of values)"),
    (MFU + "[20%, 30%]\n  cost.run.tokens: [1T]\nzip: [[cost.compute.mfu, cost.run.tokns]]\n",
     "6:7 zip.0: each zip entry lists two or more axis names (axes: cost.compute.mfu, cost.run.tokens)"),
    (MFU + "[20%, 30%]\nchart: {x: cost.compute.muf}\n",
     "5:9 chart.x: chart has x and y (axis names) and metric (a headline key) (e.g. chart: "),
    (MFU + "[20%, 30%]\nchart: {x: cost.compute.mfu, colour: red}\n", "5:1 chart: chart has x and y"),
    ("axes:\n  extends: [a.yaml]\n", "4:3 axes.extends: extends is resolved when the base is read; a point "
                                      "cannot change it (sweep an input such as supply.repetition.epochs)"),
    # what needs the base scenario's units: checked after the schema, at the same kind of place
    (MFU + "{from: 0%, to: 20%, steps: 3, scale: log}\n",
     "4:51 axes.cost.compute.mfu.scale: a log range needs from and to above 0"),
])
def test_the_grid_schema_locates_every_refusal(tmp_path, body, expected):
    path = tmp_path / "g.yaml"
    path.write_text(f"name: g\nbase: {GPT}\n{body}", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_grid(path)
    assert f"{path}:{expected}" in str(info.value)


def test_a_grid_reports_the_problems_of_the_schema_and_of_its_data_files_at_once(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text(f"name: g\nbase: {GPT}\nset:\n  supply.dynamics.human_share_data: nothere.csv\n"
                    "sampels: 3\naxes:\n  name: [a, b]\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_grid(path)
    lines = str(info.value).splitlines()
    assert [line.split(" ")[0] for line in lines] == [f"{path}:4:3", f"{path}:5:1", f"{path}:7:3"]
    assert "data file nothere.csv not found" in lines[0] and "unknown key 'sampels'" in lines[1]
    assert "axes.name: name is a label, not an input" in lines[2]
    # checks across keys (an input both set and swept) come once every key is valid, as for scenarios
    path.write_text(f"name: g\nbase: {GPT}\nset:\n  cost.compute.mfu: 30%\naxes:\n  cost.compute.mfu: [20%]\n",
                    encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_grid(path)
    assert str(info.value) == (f"{path}:4:3 set.cost.compute.mfu: cost.compute.mfu is set here and swept on an "
                               "axis; the axis would replace the set value at every point (remove it from set: or "
                               "from axes:)")


def test_the_grid_schema_is_strict_and_printed_by_peakdata_schema():
    from pydantic import ValidationError

    from forecast.schema.sweep import MAX_POINTS, Sweep

    spec = Sweep.model_validate({"name": "g", "base": "b.yaml", "axes": {"a.b": [1, 2], "c.d": {"from": 1, "to": 8,
                                 "steps": 4, "scale": "log"}}, "zip": None, "chart": None})
    assert spec.zipped == [] and spec.chart.x is None and spec.axes["c.d"].steps == 4
    with pytest.raises(ValidationError):
        spec.name = "h"                                           # frozen
    result = CliRunner().invoke(app, ["schema", "sweep"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert set(schema["properties"]) == {"name", "description", "base", "samples", "set", "axes", "zip", "chart"}
    assert schema["required"] == ["name", "base", "axes"] and schema["additionalProperties"] is False
    assert schema["$defs"]["AxisRange"]["properties"]["steps"]["maximum"] == MAX_POINTS
    assert set(schema["$defs"]["AxisRange"]["required"]) == {"from", "to", "steps"}
    for path in GRIDS:                                            # the shipped grids use only its keys
        assert set(json.loads(json.dumps(load_yaml_data(path)))) <= set(schema["properties"])


def load_yaml_data(path: Path) -> dict:
    from forecast.io.yamlload import load_yaml

    return load_yaml(path).data


def test_cli_writes_the_table_and_the_heatmap(small, tmp_path):
    out = tmp_path / "cli"
    result = CliRunner().invoke(app, ["sweep", str(small), "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = (out / "sweep.csv").read_text().splitlines()
    assert lines[0] == ("point,demand.compute.growth,supply.repetition.epochs,seed,p_exhausted_by_2026,"
                        "p_exhausted_by_2028,p_exhausted_by_2030,p_exhausted_by_2032,exhaustion_p10,"
                        "exhaustion_p10_after_horizon,exhaustion_p50,exhaustion_p50_after_horizon,exhaustion_p90,"
                        "exhaustion_p90_after_horizon")
    assert len(lines) == 1 + 4
    table = pd.read_csv(out / "sweep.csv", dtype=str, keep_default_na=False)
    for column in ("exhaustion_p10", "exhaustion_p50", "exhaustion_p90"):   # 2028Q3 or empty, never 2028.75
        assert all(re.fullmatch(r"\d{4}Q[1-4]", v) for v in table[column] if v), table[column].tolist()
        flags = table[f"{column}_after_horizon"]
        assert set(flags) <= {"True", "False"}
        assert ((table[column] == "") == (flags == "True")).all()
    heat = (out / "heatmap.csv").read_text().splitlines()[0]
    assert "exhaustion_p50,exhaustion_p50_after_horizon" in heat
    about = json.loads((out / "meta.json").read_text())
    assert about["sweep"] == "small" and about["points"] == 4 and about["samples_per_point"] == 300
    assert (out / "heatmap.png").read_bytes().startswith(b"\x89PNG")
    row = json.loads(next((out / "points").glob("*.json")).read_text())
    assert set(row) == {"key", "version", "headline"}
    shutil.rmtree(out / "points")


def test_a_points_seed_is_the_first_63_bits_of_sha256_of_its_scenario_hash(small, monkeypatch):
    import hashlib

    from forecast.io import scenario as scenario_module
    from forecast.io.overrides import with_values
    from forecast.io.scenario import scenario_hash
    from forecast.analysis.sweep import point_seed

    grid = load_grid(small)
    found = points(grid)
    for p in found:
        # the point's scenario before its seed is set: base + set + the point's values + samples
        unseeded = with_values(grid.base, {**grid.changes, **p.values, "samples": 300})
        digest = hashlib.sha256(scenario_hash(unseeded).encode("ascii")).digest()
        assert p.seed == p.scenario.seed == int.from_bytes(digest[:8], "big") & (2**63 - 1)
        assert p.key == scenario_hash(p.scenario)
    assert len({p.seed for p in found}) == 4
    # the function itself, on two hashes worked out by hand: SHA-256 of 64 × "0" starts 60e05bd1b195af2f,
    # of 64 × "f" df0790f236013511, whose top bit the 63-bit mask clears (0x5f0790f236013511)
    for text, seed in (("0" * 64, 6980680378609938223), ("f" * 64, 6847601128402662673)):
        monkeypatch.setattr(scenario_module, "scenario_hash", lambda scenario, text=text: text)
        assert point_seed(grid.base) == seed


def test_point_files_of_another_version_or_point_are_computed_again(small, tmp_path):
    import forecast

    grid = load_grid(small)
    out = tmp_path / "out"
    fresh = run_resumable(grid, out)
    files = sorted((out / "points").glob("*.json"))
    stale = json.loads(files[0].read_text())
    # a previous version's row for the same point: same key, another version, other figures
    files[0].write_text(json.dumps({**stale, "version": "0.0.1",
                                    "headline": {k: 1900.0 for k in stale["headline"]}}))
    # a row of another point under this point's file name (a key that only shares its first 32 characters)
    other = json.loads(files[1].read_text())
    files[1].write_text(json.dumps({**other, "key": other["key"][:32] + "0" * 32,
                                    "headline": {k: 1900.0 for k in other["headline"]}}))
    seen = []
    again = run_resumable(grid, out, progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (2, 4)                                  # two kept, two computed again
    assert again.equals(fresh)
    for path in files[:2]:
        row = json.loads(path.read_text())
        assert row["version"] == forecast.__version__ and 1900.0 not in row["headline"].values()
    assert read_point(out, stale["key"]) is not None


def test_the_table_in_memory_is_the_table_read_back_from_the_point_files(small, tmp_path):
    """sweep.csv is byte-identical however its points were computed: the table run_sweep builds in
    memory (figures in key order) equals the one rebuilt from the JSON point files alone."""
    grid = load_grid(small)
    computed = run_resumable(grid, tmp_path / "out")
    seen = []
    read_back = run_resumable(grid, tmp_path / "out", progress=lambda done, total: seen.append((done, total)))
    assert seen == [(4, 4)]                                   # nothing computed the second time
    assert list(computed.columns) == list(read_back.columns) == list(run_sweep(grid).columns)
    assert computed.equals(read_back) and computed.equals(run_sweep(grid))
    figures = [c for c in computed.columns if c.startswith(("exhaustion.", "cost."))]
    assert figures == sorted(figures)


def test_terminal_table_says_how_many_rows_are_left_out_and_prints_axes_in_units(small, tmp_path, monkeypatch):
    """The terminal shows the first rows only; the line under the table says how many more there are
    and in which file; axis values carry their input's unit (3x/yr), as a scenario file writes them."""
    import forecast.report.views as views

    shown = views.sweep_view
    monkeypatch.setattr(views, "sweep_view", lambda table: shown(table, rows=3))
    out = tmp_path / "cli"
    result = CliRunner().invoke(app, ["sweep", str(small), "--out", str(out)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert f"… 1 more row in {out / 'sweep.csv'}" in result.output
    rows = [line for line in result.output.splitlines() if line.startswith("│")]
    assert len(rows) == 3
    assert "3x/yr" in rows[0] and "5x/yr" in rows[2] and "0.3" not in rows[0]
    # headed in words, which fold between words (a dotted name was cut mid-word: "supply.repetit|ion")
    header = " ".join(line for line in result.output.splitlines() if line.startswith("┃"))
    words = " ".join(part.strip() for line in result.output.splitlines() if line.startswith("┃")
                     for part in line.strip("┃").split("┃"))
    assert "supply.repetit" not in header and "exhaustion.p" not in header
    for label in ("compute growth of the largest run", "repetition: epochs", "Exhaustion, median"):
        assert all(word in words for word in label.split()), label
