"""Phi-4 has one set of figures, the technical report's, in every file (issue 25, item 8).

Abdin et al. 2024, "Phi-4 Technical Report", arXiv 2412.08905: 14B parameters, about 10T training
tokens, 40% of them synthetic from 290B unique synthetic tokens seen 13.8 times (Table 5), trained on
1920 H100-80G GPUs for 21 days = 1920 × 21 × 24 = 967,680 GPU-hours.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from forecast.engine import run
from forecast.io.references import read_reference
from forecast.io.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

#: Abdin et al. 2024: 1920 H100 for 21 days [GPU-hours]
REPORT_GPU_HOURS = 1920 * 21 * 24
#: Abdin et al. 2024: 14B parameters, about 10T tokens, 290B unique synthetic tokens, 13.8 epochs
REPORT_PARAMS, REPORT_TOKENS, REPORT_UNIQUE, REPORT_EPOCHS = 14e9, 10e12, 290e9, 13.8


@pytest.fixture(scope="module")
def phi4():
    return load_scenario(ROOT / "scenarios" / "phi-4.yaml").scenario


def _row(file: str, column: str, name: str):
    frame = read_reference(file, DATA)
    rows = frame[frame[column].astype(str).str.startswith(name)]
    assert len(rows) == 1, f"{file}: {len(rows)} rows for {name}"
    return rows.iloc[0]


def test_report_gpu_hours_by_hand():
    assert REPORT_GPU_HOURS == 967_680


def test_tokens_and_parameters_agree_in_every_file(phi4):
    run_spec = phi4.cost.run
    scenario = {"params": run_spec.params.value, "tokens": run_spec.tokens.value}
    training = _row("training_runs.csv", "model", "Phi-4")
    notable = _row("notable_models.csv", "model", "Phi-4")
    shares = _row("synthetic_shares.csv", "item", "Phi-4")
    assert scenario == {"params": REPORT_PARAMS, "tokens": REPORT_TOKENS}
    assert (training["params_active"], training["params_total"], training["tokens"]) == (14e9, 14e9, 10e12)
    assert (notable["params_active"], notable["params_total"], notable["training_tokens"]) == (14e9, 14e9, 10e12)
    assert shares["total_tokens"] == REPORT_TOKENS
    assert shares["unique_synthetic_tokens"] == REPORT_UNIQUE == phi4.cost.synthetic_data.unique_tokens.value
    assert training["gpu_hours"] == REPORT_GPU_HOURS
    # 40% of 10T over 290B unique = 13.79 epochs: the report's 13.8 follows from the files' figures
    assert shares["synthetic_share"] * REPORT_TOKENS / REPORT_UNIQUE == pytest.approx(REPORT_EPOCHS, rel=0.005)


def test_mfu_prior_centres_on_what_the_gpu_hours_imply(phi4):
    # 6 × 14e9 × 10e12 = 8.4e23 FLOP over 967,680 h × 3600 s × 9.89e14 FLOP/s (H100 bf16 peak,
    # data/hardware.csv) = 3.4454e24 FLOP at full peak: implied MFU 24.38%
    implied = 6 * 14e9 * 10e12 / (967_680 * 3600 * 9.89e14)
    assert implied == pytest.approx(0.2438, abs=1e-4)
    median = float(phi4.cost.compute.mfu.to_distribution().ppf(0.5))
    assert median == pytest.approx(implied, rel=0.05)


def test_median_gpu_hours_land_within_ten_percent_of_the_report(phi4):
    table = run(phi4, samples=5000).tables["cost_breakdown"].set_index("item")
    p50 = float(table.loc["gpu_hours", "p50"])
    assert p50 == pytest.approx(REPORT_GPU_HOURS, rel=0.10)
