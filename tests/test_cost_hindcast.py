"""Cost hindcast (docs/validation.md §2, docs/derivations.md §14): disclosed training runs priced from
their parameters, tokens and hardware with the priors of data/compute_priors.csv.

Expected values are worked by hand below, or are the GPU-hours the developers published (Llama 3.1
model card: 30.84M H100-hours for 405B; DeepSeek-AI 2024, Table 1: 2.788M H800-hours; Meta Llama 2
card: 1,720,320 A100-hours for 70B; Luccioni et al. 2022: 1,082,990 A100-hours for BLOOM; Hugging
Face 2025: SmolLM3 on 384 H100 for 24 days).
"""
from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from forecast.analysis.published_runs import (HINDCAST_SEED, hindcast_sentence, hindcast_summary,
                                              hindcast_table)
from forecast.cli.app import app
from forecast.errors import DataError
from forecast.models import hindcast as H

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def table():
    return hindcast_table().set_index("model")


# --- kernels, by hand -------------------------------------------------------------------------------


def test_attention_flop_of_gpt3_by_hand():
    # Kaplan et al. 2020 Table 1: 2 n_layer n_ctx d_attn forward per token, x3 for training
    # 6 × 96 × 2048 × 12288 × 3e11 = 4.348654e21, 1.38% of 6ND = 3.15e23
    assert H.attention_flop(96, 12288, 2048, 3e11) == pytest.approx(4.348654e21, rel=1e-6)


def test_llama_31_405b_flop_and_gpu_hours_by_hand(table):
    row = table.loc["Llama 3.1 405B"]
    six_nd = 6 * 405e9 * 15.6e12                              # 3.7908e25
    base = 6 * 126 * 8192 * 16384 * (15.6e12 - 0.8e12)       # 1.501735e24 at 8K
    long = 6 * 126 * 65536 * 16384 * 0.8e12                  # 6.493991e23 for the 800B long-context tokens
    assert six_nd == pytest.approx(3.7908e25)
    assert row["flop"] == pytest.approx(six_nd + base + long, rel=1e-12)
    assert row["flop"] == pytest.approx(4.005913e25, rel=1e-6)
    # medians: MFU sqrt(0.30 × 0.45) = 0.367423 (H100 era), effective time sqrt(0.90 × 0.99) = 0.943928
    # (the paper's "higher than 90%"); 4.005913e25 / (9.89e14 × 0.367423 × 0.943928 × 3600) = 3.24413e7
    z = np.zeros(1)
    at_medians = H.sample_gpu_hours(row["flop"], 9.89e14, math.log(0.367423), 0.1, math.log(0.943928), 0.02, z, z)[0]
    assert at_medians == pytest.approx(3.24413e7, rel=1e-5)
    # the Monte Carlo median is that figure within sampling noise and the cap of effective time at 1
    assert row["stated_p50"] == pytest.approx(3.24413e7, rel=0.01)
    # Meta's card: 30.84M H100-hours; log10(32.5M / 30.84M) = +0.02
    assert row["gpu_hours_disclosed"] == 30.84e6
    assert row["log10_error"] == pytest.approx(math.log10(row["p50"] / 30.84e6))
    assert abs(row["log10_error"]) < 0.05 and row["inside"]


def test_smollm3_by_hand(table):
    """SmolLM3 (Hugging Face 2025): 3.08B parameters, 11.2T tokens at 4096, 384 H100 for 24 days."""
    row = table.loc["SmolLM3 3B"]
    assert row["gpu_hours_disclosed"] == 384 * 24 * 24                   # 221,184 H100-hours
    six_nd = 6 * 3.08e9 * 11.2e12                                         # 2.06976e23
    attention = 6 * 36 * 4096 * 2048 * 11.2e12                            # 2.02937e22, 9.8% of 6ND
    assert row["flop"] == pytest.approx(six_nd + attention, rel=1e-12)
    # medians: MFU 0.367423 (H100 era), effective time sqrt(0.80 × 0.95) = 0.871780 (the default):
    # 2.27270e23 / (9.89e14 × 0.367423 × 0.871780 × 3600) = 199,283 H100-hours, log10(199K / 221K) = −0.05
    z = np.zeros(1)
    at_medians = H.sample_gpu_hours(row["flop"], 9.89e14, math.log(0.367423), 0.1, math.log(0.871780), 0.05, z, z)[0]
    assert at_medians == pytest.approx(199_283, rel=1e-4)
    assert row["stated_p50"] == pytest.approx(199_283, rel=0.01)
    assert row["inside"] and row["log10_error"] == pytest.approx(-0.04, abs=0.01)


def test_standardised_error_and_widening_by_hand():
    # median 1, p90 2: a disclosed 4 is two half-widths above; p10 0.5: 0.5 is exactly one below
    assert H.standardised_error(4.0, 0.5, 1.0, 2.0) == pytest.approx(2.0)
    assert H.standardised_error(0.5, 0.5, 1.0, 2.0) == pytest.approx(1.0)
    # 4 other runs: ceil(0.8 × 5) = 4th smallest; never below 1
    assert H.conformal_widening([0.2, 3.0, 0.5, 1.5]) == 3.0
    assert H.conformal_widening([0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]) == 1.0
    assert H.conformal_widening([]) == 1.0


def test_widening_keeps_the_median_and_widens_the_log_interval_by_k():
    rng = np.random.default_rng(1)
    z1, z2 = rng.standard_normal((2, 200_000))
    args = (1e24, 1e15, math.log(0.35), 0.15, math.log(0.8), 0.05, z1, z2)   # f far from its cap of 1
    q1 = np.quantile(H.sample_gpu_hours(*args), [0.1, 0.5, 0.9])
    q3 = np.quantile(H.sample_gpu_hours(*args, widen=3.0), [0.1, 0.5, 0.9])
    assert q3[1] == pytest.approx(q1[1], rel=0.01)
    assert math.log(q3[2] / q3[0]) == pytest.approx(3 * math.log(q1[2] / q1[0]), rel=0.02)


# --- the shipped record -----------------------------------------------------------------------------


def test_disclosed_figures_are_the_published_ones(table):
    published = {"Llama 3.1 405B": 30.84e6, "DeepSeek-V3": 2.788e6, "Llama 2 70B": 1_720_320,
                 "BLOOM-176B": 1_082_990, "Llama 3 8B": 1.3e6, "Phi-4": 1920 * 21 * 24,
                 "SmolLM3 3B": 384 * 24 * 24}
    for model, hours in published.items():
        assert table.loc[model, "gpu_hours_disclosed"] == pytest.approx(hours), model


def test_track_record_meets_the_target(table):
    summary = hindcast_summary(table.reset_index())
    assert summary["runs"] == 14                    # every run with disclosed GPU-hours; GPT-3 is an estimate
    assert not table.loc["GPT-3 175B", "scored"]
    assert summary["inside"] == 12                  # Llama 3 8B and 3.1 8B fall below their intervals
    assert set(table.index[table["scored"] & ~table["inside"]]) == {"Llama 3 8B", "Llama 3.1 8B"}
    # Phi-4 (-0.08) sits at the median: a change of its tokens in data/ moves this by about 0.005
    assert summary["median_abs_log10_error"] == pytest.approx(0.077, abs=0.01)
    assert summary["median_abs_log10_error"] <= 0.1
    # the stated priors alone cover 9 of 14: the record widens them
    assert summary["stated_inside"] == 9
    assert re.fullmatch(r"12 of 14 inside the 80% interval; median \|log10 error\| 0\.0[78]", hindcast_sentence(summary))
    assert hindcast_sentence({"runs": 10, "inside": 8, "median_abs_log10_error": 0.0712}) == \
        "8 of 10 inside the 80% interval; median |log10 error| 0.07"


def test_the_small_llamas_are_the_misses_the_model_cannot_explain(table):
    # 6ND / (1.3M h × 9.89e14 × 3600) = 15.6% whole-run MFU for Llama 3 8B, half of any other H100 run
    implied = 6 * 8e9 * 15e12 / (1.3e6 * 9.89e14 * 3600)
    assert implied == pytest.approx(0.1556, abs=5e-4)
    assert table.loc["Llama 3 8B", "log10_error"] < -0.25
    assert table.loc["Llama 3.1 8B", "log10_error"] < -0.25


def test_a_run_never_sets_its_own_width(tmp_path):
    """Leave-one-out: changing one run's disclosed figure moves the other runs' widths, never its own."""
    shutil.copytree(DATA, tmp_path / "data")
    path = tmp_path / "data" / "training_runs.csv"
    text = path.read_text(encoding="utf-8")
    assert ",H100,1.3e6," in text
    path.write_text(text.replace(",H100,1.3e6,", ",H100,1.3e8,"), encoding="utf-8")
    before = hindcast_table().set_index("model")
    after = hindcast_table(tmp_path / "data").set_index("model")
    assert after.loc["Llama 3 8B", "widening"] == pytest.approx(before.loc["Llama 3 8B", "widening"])
    assert after.loc["Llama 3 8B", "p50"] == pytest.approx(before.loc["Llama 3 8B", "p50"])


def test_same_seed_same_table():
    a = hindcast_table(seed=HINDCAST_SEED)
    b = hindcast_table(seed=HINDCAST_SEED)
    assert a.equals(b)


def test_unknown_run_in_hindcast_runs_names_file_and_line(tmp_path):
    shutil.copytree(DATA, tmp_path / "data")
    path = tmp_path / "data" / "hindcast_runs.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("\nPhi-4,", "\nPhi-5,"), encoding="utf-8")
    with pytest.raises(DataError, match=r"hindcast_runs.csv:\d+: model: 'Phi-5' is not a run of training_runs.csv"):
        hindcast_table(tmp_path / "data")


# --- the command ------------------------------------------------------------------------------------


def test_published_runs_prints_the_hindcast():
    result = CliRunner().invoke(app, ["published-runs"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Cost hindcast" in out
    for word in ("disclosed", "p50", "p10 – p90", "inside?", "log10 error"):
        assert word in out
    assert re.search(r"12 of 14 inside the 80% interval; median \|log10 error\| 0\.0[78] \(with the stated priors "
                     r"before widening: 9 of 14 inside\)", out)
    line = next(ln for ln in out.splitlines() if ln.startswith("│ Llama 3.1 405B") and "30.8M" in ln
                and "yes" in ln)
    assert "+0.02" in line
    assert "not scored" in next(ln for ln in out.splitlines() if "GPT-3 175B" in ln and "scored" in ln)


def test_published_runs_with_a_bad_data_file_exits_2(tmp_path):
    shutil.copytree(DATA, tmp_path / "data")
    path = tmp_path / "data" / "compute_priors.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("mfu,H100,H100 H800 H200,0.30,0.45",
                                                             "mfu,H100,H100 H800 H200,0.45,0.30"),
                    encoding="utf-8")
    result = CliRunner().invoke(app, ["published-runs"], env={"PEAKDATA_DATA": str(tmp_path / "data")})
    assert result.exit_code == 2
    assert "compute_priors.csv:" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("old, new, words", [
    ("\nPhi-4,True,40,5120,", "\nPhi-4,True,,5120,", r"hindcast_runs.csv:\d+: n_layers: .* for Phi-4"),
    ("\nGPT-3 175B,False,96,", "\nNemotron-4 340B,False,96,", r"Nemotron-4 340B has no gpu_hours"),
])
def test_bad_hindcast_rows_are_refused_with_the_line(tmp_path, old, new, words):
    shutil.copytree(DATA, tmp_path / "data")
    path = tmp_path / "data" / "hindcast_runs.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(DataError, match=words):
        hindcast_table(tmp_path / "data")
