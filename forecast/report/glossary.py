"""The report's glossary: every abbreviation and term of art the report may use, in one table.

:data:`GLOSSARY` is the single source: the appendix "Glossary" of ``report.md`` lists the entries
whose term occurs in the rest of the report (:func:`glossary_frame`), so the table stays short and
never explains a word the reader did not meet. A test renders a report and checks that every
abbreviation in it is either an entry here or a name in :data:`NOT_ABBREVIATIONS` (products,
venues, units spelled out where they appear).
"""
from __future__ import annotations

import re

import pandas as pd

__all__ = ["GLOSSARY", "NOT_ABBREVIATIONS", "glossary_frame", "used_terms"]

#: (term, what it means), alphabetical. A term is matched as a whole word, case-sensitively.
GLOSSARY: tuple[tuple[str, str], ...] = (
    ("80% interval", "The range from the 10th to the 90th percentile of the Monte Carlo samples (p10 to p90): "
                     "in 8 of 10 samples the figure falls inside it."),
    ("after horizon", "The event does not happen before the last quarter the scenario models, in that sample "
                      "or at that percentile."),
    ("API", "Application programming interface: here, a hosted model sold per million tokens."),
    ("BF16", "bfloat16, the 16-bit number format training runs on; accelerator peak FLOP/s are quoted in it."),
    ("CI", "Confidence interval, as stated by the source cited."),
    ("CRPS", "Continuous ranked probability score: how far a forecast distribution is from what happened "
             "(lower is better; Gneiting & Raftery 2007)."),
    ("effective stock", "The human-written text a training run can use: each source's tokens × growth × usable "
                        "share, times how often it can be repeated (the repetition multiplier)."),
    ("ETS", "Exponential smoothing (error, trend, season), here with a damped trend (Hyndman et al. 2008)."),
    ("exhaustion", "The first quarter in which the dataset of the largest training run is at least the "
                   "effective stock of human text."),
    ("FLOP", "Floating-point operations, the unit of training compute; FLOP/s: per second."),
    ("GPU", "Graphics processing unit, the accelerator training runs are rented by the hour on."),
    ("GW", "Gigawatt, of a data centre's power supply."),
    ("HF", "Hugging Face, publisher of the Cosmopedia and FineWeb reports cited."),
    ("IAMC", "Integrated Assessment Modeling Consortium: the long-table format of the iamc.csv export."),
    ("LLM", "Large language model."),
    ("MAE", "Mean absolute error of a method's past forecasts, in orders of magnitude."),
    ("MFU", "Model FLOPs utilisation: the share of the accelerators' peak FLOP/s a training run achieves."),
    ("Monte Carlo", "Every uncertain input is drawn many times (the samples); each figure is a percentile "
                    "over the samples."),
    ("nats", "The unit of a language model's loss (cross-entropy in natural-log units); lower is better."),
    ("OLS", "Ordinary least squares: a straight line through the log of the record, fitted by least squares."),
    ("OOM", "Order of magnitude: a factor of 10; 0.30 OOM is about a factor of 2."),
    ("p10", "10th percentile of the samples: 1 sample in 10 is lower."),
    ("p50", "The median of the samples: half are lower, half higher."),
    ("p90", "90th percentile of the samples: 1 sample in 10 is higher."),
    ("S1", "First-order Sobol index: the share of an outcome's variance one input explains alone "
           "(Saltelli et al. 2010)."),
    ("SHA-256", "A fingerprint of a file's bytes: the same fingerprint means the same file."),
    ("ST", "Total Sobol index: the share of an outcome's variance an input takes part in, alone or with "
           "others; ST ≥ S1."),
    ("TFLOPS", "Tera (10¹²) floating-point operations per second."),
    ("TGI", "Text Generation Inference, Hugging Face's model server."),
    ("trillion tokens", "10¹² tokens; the report writes token counts as \"T tokens\" or \"trillion tokens\" and "
                        "money as $M, $B and $tn, so the two are never confused."),
    ("USD", "US dollars, nominal; per GPU-hour or per million tokens where the column says so."),
    ("V24", "Villalobos et al. 2024, \"Will we run out of data?\", ICML 2024, arXiv 2211.04325v2: the estimate "
            "this project reproduces and extends (median 2028, 80% interval 2026–2032)."),
    ("WRAP", "Web Rephrase Augmented Pre-training (Maini et al. 2024): rephrasing web text with a model."),
)

#: Upper-case words of the report that are names, not abbreviations a reader needs spelled out:
#: models, accelerators, corpora, venues, companies and a magazine.
NOT_ABBREVIATIONS = frozenset({
    "AI", "AWS", "BERT", "C4", "CC", "CR8DL", "DBRX", "GLM", "GPT", "H100", "H200", "H800", "A100", "B300", "SYNTH", "ICML", "ICLR",
    "IEEE", "ML", "NeurIPS", "OLMo", "PaLM", "TIME", "V100", "V3", "B200", "MI300X", "TPU", "NVIDIA", "LLaMA",
    "CSV", "HTML", "YAML", "PNG", "UTC", "MMLU", "XLSX", "JSON", "URL", "RLHF", "MoE", "EU", "US", "UK",
})


def _pattern(term: str) -> re.Pattern:
    return re.compile(r"(?<![\w-])" + re.escape(term) + r"(?![\w-])")


def used_terms(text: str) -> list[str]:
    """The terms of :data:`GLOSSARY` that occur in ``text``, in the glossary's order."""
    return [term for term, _ in GLOSSARY if _pattern(term).search(text)]


def glossary_frame(text: str | None = None) -> pd.DataFrame:
    """The glossary as a table (term, meaning): the entries used in ``text``, or all of them."""
    terms = set(used_terms(text)) if text is not None else {t for t, _ in GLOSSARY}
    rows = [(t, m) for t, m in GLOSSARY if t in terms]
    return pd.DataFrame(rows, columns=["term", "meaning"])
