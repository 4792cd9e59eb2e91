"""Docs are tested: the README's example scenario loads and runs; every CLI command is documented; the
output docs/cli.md quotes (help, refusals, stamps, every example's output) is what peakdata prints today."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import forecast.engine as engine
from forecast.cli.app import app
from forecast.io.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def _readme_scenario() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 1, "the README has exactly one example scenario"
    return blocks[0]


def test_readme_example_scenario_validates_and_runs(tmp_path):
    shutil.copy(ROOT / "scenarios" / "baseline.yaml", tmp_path / "baseline.yaml")
    path = tmp_path / "my-view.yaml"
    path.write_text(_readme_scenario(), encoding="utf-8")
    item = load_scenario(path)
    assert item.scenario.name == "my-view"
    assert item.scenario.supply.repetition.epochs.value == 4
    # the README says the interval is lognormal because both bounds are positive
    assert item.scenario.demand.compute.growth.dist == "lognormal"
    result = engine.run(item.scenario, samples=500, provenance=item.provenance)
    assert "exhaustion" in result.events
    # the epochs value is traced to the README example's own line
    set_at = result.inputs.set_index("input").loc["supply.repetition.epochs", "set_at"]
    assert set_at.startswith(f"{path}:")


def test_every_command_is_in_docs_cli_and_has_help():
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert f"## peakdata {name}" in text, f"docs/cli.md lacks a section for {name}"
        assert (command.callback.__doc__ or "").strip(), f"{name} has no help text"


def test_readme_names_the_two_commands_that_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make report" in readme and "make test" in readme
    assert re.search(r"^make test$", ci, flags=re.M)


def test_readme_lists_each_command_line_once_and_cli_md_lists_every_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [line.split("#")[0].strip() for line in readme.splitlines() if line.startswith("peakdata ")]
    assert len(lines) == len(set(lines)), [line for line in lines if lines.count(line) > 1]
    cli = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    listing = cli.split("## Global options", 1)[1].split("Commands:", 1)[1].split("```", 1)[0]
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert re.search(rf"^\s+{name}\s", listing, re.M), f"docs/cli.md's peakdata --help lacks {name}"


# docs/cli.md quotes the command line as it answers: each block between
# `<!-- BEGIN peakdata ARGS -->` and `<!-- END peakdata -->` is the output of `peakdata ARGS`, run from
# the project folder (help at click's 78 columns, as a terminal of 80 or more shows it). A change of
# wording fails here; `make golden` (pytest --update-golden) rewrites the blocks; review `git diff docs/`.
_BLOCK = re.compile(r"(<!-- BEGIN peakdata (?P<args>[^>]*?) -->\n)(?P<body>.*?)(<!-- END peakdata -->)", re.S)
#: A stamp as `peakdata run` prints it and report.md carries it (forecast.result.ForecastResult.stamp).
_STAMP = re.compile(r"peakdata (?P<version>\S+); scenario (?P<name>[\w.-]+); sha256 (?P<hash>[0-9a-f]{16}); "
                    r"seed (?P<seed>\d+); samples (?P<samples>\d+)")


def _peakdata(args: str) -> str:
    import shlex

    from typer.testing import CliRunner

    result = CliRunner().invoke(app, shlex.split(args), prog_name="peakdata", terminal_width=78)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return f"```\n{result.output}```\n"


def _stamp(match: re.Match) -> str:
    """The stamp of scenarios/<name>.yaml as it is now."""
    from forecast import __version__
    from forecast.io.scenario import scenario_hash

    scenario = load_scenario(ROOT / "scenarios" / f"{match['name']}.yaml").scenario
    return (f"peakdata {__version__}; scenario {scenario.name}; sha256 {scenario_hash(scenario)[:16]}; "
            f"seed {scenario.seed}; samples {scenario.samples}")


def _check_doc(request, path: Path, render) -> None:
    text = path.read_text(encoding="utf-8")
    expected = render(text)
    if request.config.getoption("--update-golden"):
        path.write_text(expected, encoding="utf-8", newline="\n")
        return
    if text != expected:
        import difflib

        diff = "".join(difflib.unified_diff(text.splitlines(True), expected.splitlines(True),
                                            f"{path.name} (as written)", f"{path.name} (as peakdata answers)"))
        raise AssertionError(f"{path.relative_to(ROOT)} no longer matches the tool; run `make golden` "
                             f"and review `git diff docs/`:\n{diff}")


def test_cli_md_blocks_are_the_commands_output(request, monkeypatch):
    """Every marked block of docs/cli.md is what `peakdata ARGS` prints today: the main and every
    command's --help, and the refusals quoted (a missing argument, a scenario without a cost)."""
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("COLUMNS", raising=False)
    path = ROOT / "docs" / "cli.md"
    _check_doc(request, path, lambda text: _BLOCK.sub(
        lambda m: f"{m[1]}{_peakdata(m['args'])}{m[4]}", text))
    text = path.read_text(encoding="utf-8")
    quoted = {m["args"] for m in _BLOCK.finditer(text)}
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert f"{name} --help" in quoted, f"docs/cli.md quotes no `peakdata {name} --help` block"
    # no help text is quoted outside the markers, where it could go stale unnoticed
    unmarked = _BLOCK.sub("", text)
    assert "Usage: peakdata" not in unmarked.replace("`Usage: peakdata", "")


def test_docs_stamps_are_the_shipped_scenarios(request):
    """A stamp quoted in docs/cli.md or docs/report.md names the shipped scenario's current content
    hash, seed and samples (the stamp that `peakdata run` prints and report.md carries)."""
    from doc_examples import BLOCK

    def render(text):
        # a stamp in an example block is that command's output (with its -n), checked by the example test
        examples = [(m.start(), m.end()) for m in BLOCK.finditer(text)]
        return _STAMP.sub(lambda m: m[0] if any(a <= m.start() < b for a, b in examples)
                          or not (ROOT / "scenarios" / f"{m['name']}.yaml").is_file() else _stamp(m), text)

    for name in ("cli.md", "report.md"):
        _check_doc(request, ROOT / "docs" / name, render)


_CHANGES_BEGIN = ("<!-- BEGIN changes example: palmyra-x-004 at 5,000 samples, cost.compute.mfu 30% to 45% -> "
                  "35% to 45%, data/gpu_prices.csv:48 price_high_usd_per_hour 4.78 -> 3.99 "
                  "(make golden rewrites this block) -->")
_CHANGES_END = "<!-- END changes example -->"


def _changes_example(tmp: Path) -> str:
    """The tables of "Changes since last quarter" for the example of docs/cli.md, computed: the shipped
    palmyra-x-004 archived as 2026Q3, then its MFU narrowed and one GPU price lowered for 2026Q4."""
    import os

    from forecast.engine.runs import run_scenarios
    from forecast.report.changes import section
    from forecast.store.archive import record_report

    shutil.copytree(ROOT / "data", tmp / "data")
    (tmp / "scenarios").mkdir()
    for name in ("gpt-class.yaml", "palmyra-x-004.yaml"):  # palmyra-x-004 extends gpt-class
        shutil.copy(ROOT / "scenarios" / name, tmp / "scenarios" / name)
    cwd = os.getcwd()
    os.chdir(tmp)  # so the tables name data/gpu_prices.csv:48, not a machine path
    try:
        data, archive, scenario = Path("data"), Path("archive.sqlite"), Path("scenarios/palmyra-x-004.yaml")

        def runs():
            return run_scenarios([scenario], samples=5000, data_dir=data, keep_samples=True, workers=1)

        record_report(archive, "2026Q3", runs(), data, full=True, folder="2026Q3")
        text = scenario.read_text(encoding="utf-8")
        assert text.count("value: 30% to 45%") == 1
        scenario.write_text(text.replace("value: 30% to 45%", "value: 35% to 45%"), encoding="utf-8")
        prices = (data / "gpu_prices.csv").read_text(encoding="utf-8").split("\n")
        assert prices[47].startswith("H100,2024,neocloud,2.99,4.78,")
        prices[47] = prices[47].replace(",4.78,", ",3.99,", 1)
        (data / "gpu_prices.csv").write_text("\n".join(prices), encoding="utf-8")
        markdown = section(archive, "2026Q4", runs(), data)["markdown"]
    finally:
        os.chdir(cwd)
    tables = re.findall(r"(?:^\|.*\n)+", markdown + "\n", flags=re.M)
    return "\n".join(tables)


def test_cli_md_changes_example_is_computed(request, tmp_path):
    """The "Changes since last quarter" example of docs/cli.md (peakdata history) is the section the
    report computes for the edit it describes, so its Palmyra figures follow the model and data."""
    block = _changes_example(tmp_path)
    assert "| palmyra-x-004 | Cost, p50 | $1.1M |" in block  # the shipped figure at 5,000 samples
    _check_doc(request, ROOT / "docs" / "cli.md", lambda text: re.sub(
        re.escape(_CHANGES_BEGIN) + r"\n.*?" + re.escape(_CHANGES_END),
        lambda _: f"{_CHANGES_BEGIN}\n{block}{_CHANGES_END}", text, count=1, flags=re.S))
    assert _CHANGES_BEGIN in (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")


# The example outputs of docs/cli.md (and the README, when it has any) are produced by running them:
# each block between `<!-- BEGIN example: COMMANDS -->` and `<!-- END example -->` is what COMMANDS
# print in a temporary copy of scenarios/ and data/ (tests/doc_examples.py says how they run). A
# change of wording or of a figure fails here, naming the block; `make golden` (pytest
# --update-golden) rewrites the blocks; review `git diff docs/`.
_EXAMPLE_DOCS = ("docs/cli.md", "README.md")


def test_docs_examples_are_the_commands_output(request, tmp_path):
    """Every example block of docs/cli.md and README.md is what its commands print today."""
    from doc_examples import BLOCK, Runner, render

    runner = Runner(tmp_path)
    stale = {}
    for name in _EXAMPLE_DOCS:
        path = ROOT / name
        text = path.read_text(encoding="utf-8")
        expected, changed = render(text, runner)
        if changed:
            stale[name] = (text, expected, changed)
            if request.config.getoption("--update-golden"):
                path.write_text(expected, encoding="utf-8", newline="\n")
    assert BLOCK.search((ROOT / "docs" / "cli.md").read_text(encoding="utf-8")), "docs/cli.md has no example block"
    if stale and not request.config.getoption("--update-golden"):
        import difflib

        report = []
        for name, (text, expected, changed) in stale.items():
            report += [f"{name}: the output of example {where} changed" for where in changed]
            report.append("".join(difflib.unified_diff(text.splitlines(True), expected.splitlines(True),
                                                       f"{name} (as written)", f"{name} (as peakdata answers)")))
        raise AssertionError("stale examples; run `make golden` and review `git diff docs/`:\n" + "\n".join(report))


def test_cli_md_quotes_no_output_that_is_not_checked():
    """Output quoted in docs/cli.md outside the generated blocks is a stamp (checked above) or says
    that it is illustrative (an interrupt, a message naming today's quarter), so no pasted output
    goes stale unnoticed."""
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    text = re.sub(r"<!-- BEGIN (.*?) -->\n.*?<!-- END [^>]*-->", "", text, flags=re.S)  # generated blocks
    lines = text.split("\n")
    fences = [n for n, line in enumerate(lines) if line.strip().startswith("```")]
    for opening, closing in zip(fences[::2], fences[1::2]):
        if lines[opening].strip() != "```":
            continue  # ```sh, ```yaml: input, not output
        body = "\n".join(lines[opening + 1:closing])
        after = next((line for line in lines[closing + 1:] if line.strip()), "")
        if _STAMP.fullmatch(body.strip()):
            continue
        assert after.startswith("(illustrative"), f"docs/cli.md quotes output that no test runs:\n{body}"
