"""The project stands on its own: no file cites notes that a user of peakdata cannot open.

Code, tests, docs, data and scenarios cite papers, reports and pages (with year), or the project's own
docs (docs/derivations.md, docs/validation.md). They must not send a reader to working notes that
live outside the repository: the project's private reference files, a folder kept beside the
project, or a path on the machine the project was built on (:data:`FORBIDDEN` lists them). This file
is scanned like every other: the names it must know are put together from parts (:func:`_name`), so
it never spells one out.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# What a user receives: top-level files and these folders (reports/ holds generated output, of which
# only its README is shipped).
TOP_FILES = ("README.md", "Makefile", "pyproject.toml", ".gitignore", "reports/README.md")
FOLDERS = (".ci", "benchmarks", "data", "docs", "forecast", "scenarios", "tests")
SKIP_PARTS = {"__pycache__", ".pytest_cache", ".hypothesis", ".mypy_cache"}

def _name(*parts: str) -> str:
    """A name this guard must know, put together so that its text never spells the name."""
    return "".join(parts)


REFERENCE_NOTES = _name("reference", " notes")
COST = _name("cost", ".md")
SUPPLY = _name("data-", "supply.md")
UPDATES = _name("updates-", "2026.md")
STYLE_NOTES = _name("peers", ".md / tooling", ".md / STYLE", ".md")
OUTSIDE = _name("a sha", "red/ folder or a machine path")

FORBIDDEN = [
    (re.compile(_name(r"refer", r"ence(?:\s+\w+)?\s+", r"notes?\b"), re.I), REFERENCE_NOTES),
    (re.compile(_name(r"(?<![\w-])co", r"st\.md\b"), re.I), COST),  # our own data/README-costs.md does not match
    (re.compile(_name(r"\bdata-", r"supply\b"), re.I), SUPPLY),
    (re.compile(_name(r"\bupdates-", r"2026\b"), re.I), UPDATES),
    (re.compile(_name(r"\b(?:peers|tooling|STY", r"LE)\.md\b")), STYLE_NOTES),
    (re.compile(_name(r"\bsha", r"red/|/wo", r"rk/")), OUTSIDE),
    (re.compile(_name(r"\bD", r"S §")), _name("a section of ", SUPPLY)),
]


def shipped_files() -> list[Path]:
    files = [ROOT / name for name in TOP_FILES if (ROOT / name).is_file()]
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and not SKIP_PARTS.intersection(path.parts):
                files.append(path)
    return files


def offending_lines(text: str) -> list[tuple[int, str, str]]:
    """(line number, what it cites, the line) for every line that cites an unavailable note."""
    hits = []
    for number, line in enumerate(text.splitlines(), start=1):
        for pattern, what in FORBIDDEN:
            if pattern.search(line):
                hits.append((number, what, line.strip()[:120]))
    return hits


@pytest.mark.parametrize("sample, what", [
    (_name("Epoch value as quoted in the project refer", "ence notes"), REFERENCE_NOTES),
    (_name("whole-run MFU is lower (refer", "ence cost notes Sec. 4)"), REFERENCE_NOTES),
    (_name("H100 (co", "st.md §1.3)"), COST),
    (_name("data-", "supply.md §4 table"), SUPPLY),
    (_name("see updates-", "2026.md §3"), UPDATES),
    (_name("house style in ../sha", "red/STY", "LE.md"), STYLE_NOTES),
    (_name("facts in /wo", "rk/sha", "red/reference/"), OUTSIDE),
    (_name("details in D", "S §5.1"), _name("a section of ", SUPPLY)),
])
def test_each_pattern_catches_its_citation(sample: str, what: str) -> None:
    assert what in {w for _, w, _ in offending_lines(sample)}


@pytest.mark.parametrize("sample", [
    "See data/README-costs.md.",
    "Villalobos et al. 2024, Sec. 2.3; Muennighoff et al. 2023",
    "the `note` column says how a value was obtained",
    "docs/derivations.md §2 (Cosmopedia, Hugging Face 2024)",
])
def test_own_files_and_primary_sources_pass(sample: str) -> None:
    assert offending_lines(sample) == []


def test_no_shipped_file_cites_notes_a_user_cannot_open() -> None:
    files = shipped_files()
    names = {p.relative_to(ROOT).as_posix() for p in files}
    # The scan covers every kind of file a user gets; if the layout moves, this must be updated.
    assert {"README.md", "data/notable_models.csv", "scenarios/baseline.yaml", "docs/validation.md",
            "forecast/models/compute_cost.py", "tests/test_exhaustion.py"} <= names
    problems = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary files carry no citations
        for number, what, line in offending_lines(text):
            problems.append(f"{path.relative_to(ROOT)}:{number}: cites {what}: {line}")
    assert not problems, "cite the primary source (or docs/derivations.md) instead:\n" + "\n".join(problems)
