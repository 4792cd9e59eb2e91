"""Report templates (``peakdata report --template DIR``) render in Jinja2's sandbox; every error of a
template is an input error naming the template file and line, with a hint, never a traceback.

The error kinds are checked on :func:`forecast.report.document.render_template` (each a template of
a few lines, the error on a known line); the CLI tests check that a sandbox refusal and a syntax
error reach the user as exit code 2 before anything is written.
"""
from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from typer.testing import CliRunner

from forecast.cli.app import app
from forecast.errors import ExportError
from forecast.report.document import render_template

SET = Path(__file__).resolve().parent / "golden" / "report"
CONTEXT = {"quarter": "2026Q4", "scenarios": [{"name": "a"}, {"name": "b"}]}


def _render(folder: Path, text: str | bytes, name: str = "title.md.j2") -> str:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    with pytest.raises(ExportError) as caught:
        render_template(name, CONTEXT, folder)
    return str(caught.value)


@pytest.mark.parametrize("text, line, words", [
    pytest.param("# {{ quarter }}\n{{ qaurter }}\n", 2, ["'qaurter' is undefined", "docs/report.md"],
                 id="undefined name"),
    pytest.param("a\nb\n{{ 1 / 0 }}\n", 3, ["ZeroDivisionError", "division by zero"], id="division by zero"),
    pytest.param("{{ quarter + 1 }}\n", 1, ["TypeError"], id="type error"),
    pytest.param("x\n{{ '{1}'.format(quarter) }}\n", 2, ["IndexError"], id="index error"),
    pytest.param("x\n{{ scenarios[5].name }}\n", 2, ["no element 5"], id="index past the end"),
    pytest.param("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}\n\n{{ f(0) }}\n", 1, ["endless recursion"],
                 id="recursive macro"),
    pytest.param("x\n{% include 'title.md.j2' %}\n", 2, ["endless recursion"], id="template includes itself"),
    pytest.param("x\n{% for s in scenarios %}\n{{ s.name }}\n", 3, ["syntax error", "endfor",
                                                                  "jinja.palletsprojects.com"], id="syntax error"),
    pytest.param("x\n{{ quarter | nosuchfilter }}\n", 2, ["syntax error", "nosuchfilter"], id="unknown filter"),
    pytest.param("x\n{% include 'nope.md.j2' %}\n", 2, ["'nope.md.j2' not found"], id="missing include"),
    pytest.param("x\n\n{{ ''.__class__.__mro__[1].__subclasses__() }}\n", 3,
                 ["refused by the template sandbox", "__class__"], id="sandbox: mro subclasses"),
    pytest.param("{{ '-' * 10**9 }}\n", 1, ["too large for the template sandbox"], id="sandbox: huge string"),
    pytest.param("x\n{{ 2 ** (10 ** 9) }}\n", 2, ["too large for the template sandbox"], id="sandbox: huge power"),
    pytest.param("{% for i in range(10**8) %}{% endfor %}\n", 1, ["Range too big"], id="sandbox: huge range"),
])
def test_template_error_names_file_and_line(tmp_path, text, line, words):
    message = _render(tmp_path / "brand", text)
    assert message.startswith(f"template {tmp_path / 'brand' / 'title.md.j2'}:{line}: "), message
    for word in words:
        assert word in message
    assert message.rstrip().endswith(")")  # a hint in parentheses


def test_error_in_an_included_template_names_that_template(tmp_path):
    folder = tmp_path / "brand"
    folder.mkdir()
    (folder / "part.md.j2").write_text("one\ntwo\n{{ 1 // 0 }}\n", encoding="utf-8")
    message = _render(folder, "# {{ quarter }}\n{% include 'part.md.j2' %}\n")
    assert message.startswith(f"template {folder / 'part.md.j2'}:3: ZeroDivisionError"), message


def test_template_that_is_not_utf8_is_named(tmp_path):
    message = _render(tmp_path / "brand", b"# \xff\xfe {{ quarter }}\n")
    assert message.startswith(f"template {tmp_path / 'brand' / 'title.md.j2'}: not UTF-8 text"), message


def test_the_sandbox_keeps_what_templates_need(tmp_path):
    """Loops, filters, arithmetic and modest repetition work as in plain Jinja2."""
    folder = tmp_path / "brand"
    folder.mkdir()
    (folder / "title.md.j2").write_text(
        "# {{ quarter }} {{ '=' * 3 }} {{ 2 ** 10 }} {{ scenarios | map(attribute='name') | join(', ') }}\n"
        "{% for s in scenarios %}{{ loop.index }}{{ s.name | upper }}{% endfor %}\n", encoding="utf-8")
    assert render_template("title.md.j2", CONTEXT, folder) == "# 2026Q4 === 1024 a, b\n1A2B\n"


ATTACKS = [
    "{{ cycler.__init__.__globals__.os.system('echo x > MARK') }}",
    "{{ joiner.__init__.__globals__.os.system('echo x > MARK') }}",
    "{{ namespace.__init__.__globals__.os.system('echo x > MARK') }}",
    "{{ lipsum.__globals__['os'].system('echo x > MARK') }}",
    "{% for c in ''.__class__.__mro__[1].__subclasses__() %}{% if c.__name__ == 'Popen' %}"
    "{{ c('echo x > MARK', shell=True).wait() }}{% endif %}{% endfor %}",
]


@pytest.mark.parametrize("attack", ATTACKS[:4])
def test_the_attacks_are_real_outside_the_sandbox(tmp_path, attack):
    """The payloads below do run a shell command in an unsandboxed Jinja2 environment, so the
    sandbox is what stops them."""
    mark = tmp_path / "pwned"
    jinja2.Environment().from_string(attack.replace("MARK", str(mark))).render()
    assert mark.exists()


@pytest.mark.parametrize("attack", ATTACKS, ids=["cycler", "joiner", "namespace", "lipsum", "subclasses"])
def test_template_cannot_run_a_shell_command(tmp_path, monkeypatch, attack):
    monkeypatch.chdir(SET)
    mark = tmp_path / "pwned"
    folder = tmp_path / "brand"
    folder.mkdir()
    (folder / "title.md.j2").write_text("# {{ quarter }}\n" + attack.replace("MARK", str(mark)) + "\n",
                                        encoding="utf-8")
    out = tmp_path / "reports"
    result = CliRunner().invoke(app, ["report", "mini-supply.yaml", "--quarter", "2026Q4", "--out", str(out),
                                      "-n", "200", "--trend-methods", "none", "--template", str(folder)])
    assert result.exit_code == 2, result.output
    assert f"{folder / 'title.md.j2'}:2: refused by the template sandbox" in result.output
    assert "Traceback" not in result.output
    assert not mark.exists()
    assert not (out / "2026Q4").exists()


def test_template_syntax_error_stops_the_report_before_any_run(tmp_path, monkeypatch):
    from forecast.report import quarterly

    monkeypatch.chdir(SET)

    def no_runs(*args, **kwargs):
        raise AssertionError("scenarios ran before the templates were checked")

    monkeypatch.setattr(quarterly, "run_scenarios", no_runs)
    folder = tmp_path / "brand"
    (folder / "parts").mkdir(parents=True)
    (folder / "parts" / "footer.md.j2").write_text("ok\n{% if quarter %}\nno endif\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["report", "mini-supply.yaml", "--quarter", "2026Q4", "--out",
                                      str(tmp_path / "reports"), "--template", str(folder)])
    assert result.exit_code == 2, result.output
    assert f"{folder / 'parts' / 'footer.md.j2'}:3: syntax error" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "reports").exists()
