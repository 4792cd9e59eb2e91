"""Checks of the supply-side reference data in data/ (see data/README.md for units and provenance)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.io.references import read_reference

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
CSVS = sorted(DATA.glob("*.csv"))

STOCK_COMPONENTS = ("indexed_web", "common_crawl", "whole_web", "books", "scientific_papers", "code",
                    "news", "social_media", "instant_messages", "email")
CORPORA = ("The Pile", "RefinedWeb", "RedPajama-V2", "FineWeb", "FineWeb-Edu", "DCLM-Baseline", "Dolma")


@pytest.fixture(scope="module")
def text_stock() -> pd.DataFrame:
    return read_reference("text_stock.csv", DATA).set_index("component")


@pytest.fixture(scope="module")
def models() -> pd.DataFrame:
    frame = read_reference("notable_models.csv", DATA)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def test_data_folder_has_the_supply_files() -> None:
    names = {p.name for p in CSVS}
    assert {"text_stock.csv", "notable_models.csv", "datasets.csv"} <= names


@pytest.mark.parametrize("path", CSVS, ids=lambda p: p.name)
def test_every_csv_loads_and_every_row_has_a_source(path: Path) -> None:
    frame = read_reference(path.name, DATA)
    assert len(frame) > 0
    assert "source" in frame.columns and "note" in frame.columns
    source = frame["source"]
    empty = frame.index[source.isna() | (source.astype(str).str.strip() == "")].tolist()
    assert not empty, f"{path.name}: rows without a source: {empty}"


# --- text_stock.csv ------------------------------------------------------------------------------


def test_text_stock_components(text_stock: pd.DataFrame) -> None:
    missing = set(STOCK_COMPONENTS) - set(text_stock.index)
    assert not missing, f"missing components: {sorted(missing)}"
    assert text_stock.index.is_unique


def test_private_text_is_not_public(text_stock: pd.DataFrame) -> None:
    assert not bool(text_stock.loc["instant_messages", "public"])
    assert not bool(text_stock.loc["email", "public"])
    assert bool(text_stock.loc["indexed_web", "public"])


@pytest.mark.parametrize("prefix", ["tokens", "growth", "quality"])
def test_low_central_high_are_ordered(text_stock: pd.DataFrame, prefix: str) -> None:
    low, central, high = (text_stock[f"{prefix}_{k}"] for k in ("low", "central", "high"))
    bad = []
    for component in text_stock.index:
        values = [v for v in (low[component], central[component], high[component]) if not np.isnan(v)]
        if values != sorted(values):
            bad.append(component)
    assert not bad, f"{prefix}: low ≤ central ≤ high fails for {bad}"
    both = low.notna() & high.notna()
    assert (low[both] < high[both]).all()


def test_text_stock_units(text_stock: pd.DataFrame) -> None:
    for k in ("low", "central", "high"):
        q = text_stock[f"quality_{k}"].dropna()
        assert ((q > 0) & (q <= 1)).all(), "quality is a share in (0, 1]"
        g = text_stock[f"growth_{k}"].dropna()
        assert ((g > 0.5) & (g < 2)).all(), "growth is a yearly factor, e.g. 1.08"
        t = text_stock[f"tokens_{k}"].dropna()
        assert ((t > 1e9) & (t < 1e17)).all(), "tokens are plain counts"
    # An interval needs its coverage.
    has_interval = text_stock["tokens_low"].notna() & text_stock["tokens_high"].notna()
    assert text_stock.loc[has_interval, "credibility"].notna().all()


def test_indexed_web_matches_v24_table_1(text_stock: pd.DataFrame) -> None:
    # Villalobos et al. 2024, Table 1: indexed web 5.1e14 tokens, 95% CI 1.3e14–2.1e15; growth and
    # quality from the code (2.5/50/97.5%: 1.029/1.08/1.134; 0.1/0.2/0.4).
    row = text_stock.loc["indexed_web"]
    assert (row["tokens_low"], row["tokens_central"], row["tokens_high"]) == (1.3e14, 5.1e14, 2.1e15)
    assert row["credibility"] == 95
    assert (row["growth_low"], row["growth_central"], row["growth_high"]) == (1.029, 1.08, 1.134)
    assert (row["quality_low"], row["quality_central"], row["quality_high"]) == (0.1, 0.2, 0.4)
    assert row["reference_year"] == 2024


# --- notable_models.csv --------------------------------------------------------------------------


def test_notable_models_cover_2018_to_2026(models: pd.DataFrame) -> None:
    years = models["date"].dt.year
    assert years.min() >= 2018 and years.max() <= 2026
    with_tokens = models[models["training_tokens"].notna() & years.between(2018, 2026)]
    assert len(with_tokens) >= 40
    assert (with_tokens["training_tokens"] > 0).all()
    assert set(with_tokens["date"].dt.year) >= set(range(2018, 2027))
    assert models["model"].is_unique


def test_undisclosed_runs_are_marked_so(models: pd.DataFrame) -> None:
    # a row with no training_tokens is an undisclosed run (the trend fits impute, bound or drop it);
    # its note says so, and a row with tokens never does
    empty = models["training_tokens"].isna()
    says = models["note"].str.contains("training tokens undisclosed", regex=False)
    assert (says == empty).all(), models.loc[says != empty, "model"].tolist()
    frontier = models[empty & models["training_compute_flop"].notna() & (models["date"].dt.year >= 2025)]
    assert {"Grok-3", "GPT-4.5", "Grok 4"} <= set(frontier["model"])


def test_largest_disclosed_dataset_has_not_grown_since_april_2025(models: pd.DataFrame) -> None:
    # the censoring of docs/trends.md: Llama 4 Scout's ~40T (multimodal, 2025-04-05) is still the
    # largest disclosed dataset, while the largest runs by compute (Grok 4 ~5e26 FLOP) disclose none
    disclosed = models.dropna(subset=["training_tokens"])
    top = disclosed.loc[disclosed["training_tokens"].idxmax()]
    assert (top["model"], top["training_tokens"]) == ("Llama 4 Scout", 4e13)
    later = disclosed[disclosed["date"] > top["date"]]
    assert len(later) >= 8 and later["training_tokens"].max() == 3.6e13  # Qwen3 (April 2025)
    compute = models.loc[models["training_compute_flop"].idxmax()]
    assert compute["model"] == "Grok 4" and pd.isna(compute["training_tokens"])


def test_active_params_do_not_exceed_total(models: pd.DataFrame) -> None:
    both = models["params_active"].notna() & models["params_total"].notna()
    bad = models.loc[both & (models["params_active"] > models["params_total"]), "model"].tolist()
    assert not bad, f"params_active > params_total: {bad}"
    assert both.sum() >= 40


def test_compute_is_about_6_n_active_d(models: pd.DataFrame) -> None:
    # Kaplan et al. 2020: C ≈ 6 N D (N active parameters for mixtures of experts). E.g. Chinchilla:
    # 6 × 70e9 × 1.4e12 = 5.88e23 vs 5.76e23 reported (ratio 0.98). Allow a factor 3 either way.
    known = models.dropna(subset=["params_active", "training_tokens", "training_compute_flop"])
    assert len(known) >= 40
    ratio = known["training_compute_flop"] / (6.0 * known["params_active"] * known["training_tokens"])
    off = known.loc[(ratio > 3.0) | (ratio < 1.0 / 3.0), "model"]
    report = {m: round(float(r), 2) for m, r in zip(off, ratio[off.index])}
    assert not report, f"compute / (6 N_active D) outside [1/3, 3]: {report}"


def test_chinchilla_row(models: pd.DataFrame) -> None:
    # Hoffmann et al. 2022: 70B parameters, 1.4T tokens, 5.76e23 FLOP.
    row = models.set_index("model").loc["Chinchilla"]
    assert (row["params_active"], row["training_tokens"], row["training_compute_flop"]) == (70e9, 1.4e12, 5.76e23)


# --- datasets.csv --------------------------------------------------------------------------------


def test_public_corpora_are_listed() -> None:
    frame = read_reference("datasets.csv", DATA)
    names = frame["dataset"].astype(str).tolist()

    def rows(wanted: str) -> pd.DataFrame:
        # "RefinedWeb (full)", "Dolma v1", "FineWeb-Edu (score >= 3)" name the corpus, then a variant.
        hit = [n == wanted or n.startswith(wanted + " ") for n in names]
        return frame[hit]

    missing = [c for c in CORPORA if rows(c).empty]
    assert not missing, f"datasets.csv lacks {missing}"
    for corpus in CORPORA:
        tokens = rows(corpus)["tokens"]
        assert (tokens.dropna() > 0).all() and tokens.notna().any(), corpus


# --- one model, one set of figures across files ----------------------------------------------------

# Files that carry a model's size, and the columns that hold it, under one set of names.
MODEL_FIGURES = {
    "notable_models.csv": {"params_total": "params_total", "params_active": "params_active",
                           "training_tokens": "tokens"},
    "training_runs.csv": {"params_total": "params_total", "params_active": "params_active",
                          "tokens": "tokens"},
    "inference_prices.csv": {"active_params": "params_active"},
}
# Names that differ by more than spelling ("BLOOM" is the 176B model everywhere in data/).
ALIASES = {"bloom 176b": "bloom"}


def model_key(name: str) -> str:
    """One key per model: case, hyphens and spaces folded; an API host in brackets and an
    'Instruct' suffix dropped, since an instruction-tuned release has its base model's size.

    >>> model_key("Llama 3.1 405B Instruct (Fireworks)"), model_key("Llama 3.1-405B")
    ('llama 3.1 405b', 'llama 3.1 405b')
    """
    key = name.split("(")[0].lower().replace("-", " ").replace(" instruct", "")
    key = " ".join(key.split())
    return ALIASES.get(key, key)


def test_model_key_folds_spelling_only() -> None:
    assert model_key("Llama 3.1 405B Instruct (Together Turbo)") == model_key("Llama 3.1-405B")
    assert model_key("Llama 2 7B") == model_key("Llama 2-7B")
    assert model_key("BLOOM-176B") == model_key("BLOOM")
    assert model_key("DeepSeek-V3 (deepseek-chat)") == model_key("DeepSeek-V3")
    assert model_key("Llama 3 70B") != model_key("Llama 3.1 70B")
    assert model_key("Phi-3-medium") != model_key("Phi-3-mini")


def test_same_model_same_parameters_and_tokens_in_every_file() -> None:
    """A model named in several data files carries the same parameters and tokens in each.

    Phi-4 once read 14B / 10T in notable_models.csv (the technical report's rounded figures) and
    14.7B / 9.8T in training_runs.csv (weights and model card), so the trend fit and the cost check
    used different sizes for one run. Figures must agree to 0.5% (CSV rounding only).
    """
    seen: dict[str, dict[str, list[tuple[str, float]]]] = {}
    for file, columns in MODEL_FIGURES.items():
        frame = read_reference(file, DATA)
        for _, row in frame.iterrows():
            figures = seen.setdefault(model_key(str(row["model"])), {})
            for column, figure in columns.items():
                if pd.notna(row[column]):
                    figures.setdefault(figure, []).append((f"{file} ({row['model']})", float(row[column])))
    shared = {key: figures for key, figures in seen.items()
              if len({where.split(" ")[0] for values in figures.values() for where, _ in values}) > 1}
    # GPT-3, BLOOM, OPT, Llama 2 7B/13B/70B, Falcon-180B, Llama 3 8B/70B, Llama 3.1 405B/70B,
    # Phi-4, DeepSeek-V3, Nemotron-4 340B: if the names stop matching, this test would check nothing.
    assert len(shared) >= 14, sorted(shared)
    disagree = {}
    for key, figures in shared.items():
        for figure, values in figures.items():
            numbers = [v for _, v in values]
            if max(numbers) > min(numbers) * 1.005:
                disagree[f"{key}: {figure}"] = values
    assert not disagree, "one model, different figures: " + "; ".join(f"{k} {v}" for k, v in disagree.items())


# --- licensing_deals.csv -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def deals() -> pd.DataFrame:
    return read_reference("licensing_deals.csv", DATA)


def test_licensing_ledger_has_ten_dated_sourced_priced_deals(deals: pd.DataFrame) -> None:
    assert len(deals) >= 10
    assert deals["deal"].is_unique
    dates = pd.to_datetime(deals["date"], format="%Y-%m-%d")
    assert dates.notna().all()
    for column in ("source", "licensor", "licensee", "licensed", "volume_derivation", "checked"):
        blank = deals.index[deals[column].isna() | (deals[column].astype(str).str.strip() == "")].tolist()
        assert not blank, f"{column} empty in rows {blank}"
    assert set(deals["checked"]) <= {"primary", "press", "unverified"}
    assert (deals["price_usd"] > 0).all() and (deals["volume_tokens"] > 0).all()
    names = " ".join(deals["deal"])
    for name in ("Reddit-Google", "News Corp", "Dotdash Meredith", "HarperCollins", "Wiley", "Taylor and Francis",
                 "Bartz v. Anthropic", "Amazon-New York Times"):
        assert name in names


def test_access_and_one_off_are_never_mixed(deals: pd.DataFrame) -> None:
    assert set(deals["kind"]) == {"one_off", "access"}
    one_off = deals[deals["kind"] == "one_off"]
    access = deals[deals["kind"] == "access"]
    # a one-off price has no term and no per-year figure; an access fee has both and no one-off figure
    assert one_off["usd_per_mtok"].notna().all() and one_off["usd_per_mtok_per_year"].isna().all()
    assert one_off["term_years"].isna().all()
    assert access["usd_per_mtok_per_year"].notna().all() and access["usd_per_mtok"].isna().all()
    assert (access["term_years"] > 0).all()


def test_per_token_columns_are_the_arithmetic(deals: pd.DataFrame) -> None:
    mtok = deals["volume_tokens"] / 1e6
    one_off = deals["kind"] == "one_off"
    expected_one = deals["price_usd"] / mtok
    expected_year = deals["price_usd"] / deals["term_years"] / mtok
    np.testing.assert_allclose(deals.loc[one_off, "usd_per_mtok"], expected_one[one_off], rtol=1e-5)
    np.testing.assert_allclose(deals.loc[~one_off, "usd_per_mtok_per_year"], expected_year[~one_off], rtol=1e-5)


def test_two_ledger_rows_by_hand(deals: pd.DataFrame) -> None:
    rows = deals.set_index("deal")
    # Reddit-Google: $60M for one year of access to about 600B tokens (V24) -> 60e6 / 600,000 Mtok = $100/Mtok/yr
    reddit = rows.loc["Reddit-Google"]
    assert reddit["kind"] == "access" and reddit["price_usd"] == 60e6 and reddit["term_years"] == 1
    assert reddit["volume_tokens"] == 6e11
    assert reddit["usd_per_mtok_per_year"] == pytest.approx(100.0)
    # Bartz v. Anthropic: $1.5B / (500,000 books x 100,000 words / 0.75 words per token)
    # = 1.5e9 / 66,666.67 Mtok = $22,500/Mtok, paid once
    bartz = rows.loc["Bartz v. Anthropic settlement"]
    assert bartz["kind"] == "one_off" and bartz["price_usd"] == 1.5e9
    assert bartz["volume_tokens"] == pytest.approx(6.6667e10, rel=1e-4)
    assert bartz["usd_per_mtok"] == pytest.approx(22_500.0, rel=1e-6)
    # HarperCollins: $5000 per title for 3 years on 133,333 tokens -> 5000 / 3 / 0.133333 = $12,500/Mtok/yr
    assert rows.loc["HarperCollins-Microsoft (per title)", "usd_per_mtok_per_year"] == pytest.approx(12_500.0)
