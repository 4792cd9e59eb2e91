"""The one Jinja2 environment of the report: sandboxed, strict, with located errors.

Templates come from ``forecast/report/templates/`` and, with ``peakdata report --template DIR``, from a
folder the user wrote, so they render in Jinja2's :class:`~jinja2.sandbox.SandboxedEnvironment`
(Jinja2 docs, "Sandbox"): no attribute starting with ``_``, no ``func_globals`` or ``mro``, a
``range`` of at most ``MAX_RANGE`` items. Two more limits keep a template from exhausting the machine:
``*`` may not repeat a string or list beyond ``MAX_RANGE`` items and ``**`` may not build an integer
beyond ``MAX_POWER_BITS`` bits. An undefined name is an error (``StrictUndefined``).

Every error of a template, at compile or render time (syntax, undefined name, a sandbox refusal,
division by zero, a type or index error, endless recursion, a missing include, a file that is not
UTF-8), becomes an :class:`~forecast.errors.ExportError` naming the template file and line, with a
hint; the CLI prints it and exits 2. The line of a render-time error is read from the traceback,
whose frames Jinja2 rewrites to the template's file and line.
"""
from __future__ import annotations

import os
import traceback
from pathlib import Path
from typing import Any, Iterable

import jinja2
from jinja2.sandbox import MAX_RANGE, SandboxedEnvironment, SecurityError

from forecast.errors import ExportError

__all__ = ["TEMPLATES", "MAX_POWER_BITS", "SandboxLimit", "environment", "render", "check_templates"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: Largest integer ``**`` may build in a template [bits] (10**3000 is about 10,000 bits).
MAX_POWER_BITS = 100_000
#: Where the variables a template can use are listed.
VARIABLES_DOC = "template variables: docs/report.md#templates"


class SandboxLimit(SecurityError):
    """A template asked for a value too large to build (``"-" * 10**9``, ``2 ** (10**9)``)."""


class ReportSandbox(SandboxedEnvironment):
    """Jinja2's sandbox, with ``*`` and ``**`` bounded (intercepted operators are also not folded
    at compile time, so a constant ``2 ** (10**9)`` in a template cannot stall its compilation)."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and _whole(left) and _whole(right) and abs(left) > 1 and right > 0:
            if abs(left).bit_length() * right > MAX_POWER_BITS:
                raise SandboxLimit(f"{left} ** {right} has more than {MAX_POWER_BITS:,} bits")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, bytes, list, tuple)) and _whole(times) and len(seq) * times > MAX_RANGE:
                    raise SandboxLimit(f"repeating {len(seq):,} items {times:,} times makes more than "
                                       f"{MAX_RANGE:,}")
        return super().call_binop(context, operator, left, right)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def environment(template_dir: Path | None = None) -> ReportSandbox:
    """The report's sandboxed environment: ``template_dir`` (when given) before the shipped templates,
    ``StrictUndefined``, blocks trimmed, no autoescape (the output is Markdown)."""
    folders = [str(template_dir)] if template_dir is not None else []
    return ReportSandbox(loader=jinja2.FileSystemLoader(folders + [str(TEMPLATES)]),
                         undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                         keep_trailing_newline=True, autoescape=False)


def render(name: str, context: dict[str, Any], template_dir: Path | None = None) -> str:
    """The text of template ``name`` rendered with ``context`` (raw: whitespace as Jinja2 leaves it).

    Raises
    ------
    ExportError
        Any error of the template, naming its file and line (see the module docstring).
    """
    env = environment(template_dir)
    try:
        return env.get_template(name).render(**context)
    except Exception as exc:  # noqa: BLE001 - anything a user's template can raise is its error
        folders = _folders(template_dir)
        found = next((os.path.join(f, name) for f in folders if os.path.isfile(os.path.join(f, name))), name)
        raise _located(exc, name, folders, fallback=found) from None


def check_templates(template_dir: Path) -> None:
    """Compile every ``*.j2`` file of ``template_dir`` (and its subfolders), so that a syntax error or
    a file that is not UTF-8 stops a report before any scenario runs.

    Raises
    ------
    ExportError
        The first template that does not compile, naming its file and line.
    """
    env = environment(template_dir)
    for path in sorted(Path(template_dir).rglob("*.j2")):
        name = path.relative_to(template_dir).as_posix()
        try:
            env.get_template(name)
        except Exception as exc:  # noqa: BLE001
            raise _located(exc, name, _folders(template_dir), fallback=str(path)) from None


def _folders(template_dir: Path | None) -> list[str]:
    return ([str(template_dir)] if template_dir is not None else []) + [str(TEMPLATES)]


def _inside(filename: str, folders: Iterable[str]) -> bool:
    name = os.path.abspath(filename)
    return any(name.startswith(os.path.join(os.path.abspath(folder), "")) for folder in folders)


def _located(exc: BaseException, name: str, folders: list[str], fallback: str | None = None) -> ExportError:
    """An :class:`ExportError` ``template FILE:LINE: what (hint)`` for an exception of a template."""
    where = fallback or name
    line = 0
    if isinstance(exc, jinja2.TemplateSyntaxError):  # compile time: Jinja2 knows file and line
        where, line = exc.filename or where, exc.lineno or 0
    else:  # render time: Jinja2 rewrote the frames of template code to the template's file and line
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if _inside(f.filename, folders)]
        if frames:
            where, line = frames[-1].filename, frames[-1].lineno or 0
    if isinstance(exc, jinja2.TemplateSyntaxError):
        what, hint = f"syntax error: {exc.message}", "Jinja2 template syntax: https://jinja.palletsprojects.com/templates/"
    elif isinstance(exc, SandboxLimit):
        what, hint = f"too large for the template sandbox: {exc}", \
            f"the sandbox bounds ranges and repetitions to {MAX_RANGE:,} items and powers to {MAX_POWER_BITS:,} bits"
    elif isinstance(exc, SecurityError):
        what, hint = (f"refused by the template sandbox: {exc}",
                      "templates cannot reach Python internals (names starting with _) or run code; "
                      f"use the {VARIABLES_DOC}")
    elif isinstance(exc, jinja2.UndefinedError):
        what, hint = exc.message or str(exc), VARIABLES_DOC
    elif isinstance(exc, jinja2.TemplateNotFound):
        what, hint = (f"template {exc.name!r} not found",
                      f"an included template must be in the --template folder or in {TEMPLATES.name}/ "
                      "of the shipped ones (docs/report.md#templates)")
    elif isinstance(exc, RecursionError):
        what, hint = "endless recursion", "a macro or an include calls itself without end"
    elif isinstance(exc, UnicodeDecodeError):
        what, hint = f"not UTF-8 text ({exc.reason} at byte {exc.start})", "save the template as UTF-8"
    elif isinstance(exc, jinja2.TemplateError):
        what, hint = exc.message or str(exc), VARIABLES_DOC
    else:
        what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        hint = f"check the expression on that line; {VARIABLES_DOC}"
    at = f"{where}:{line}" if line else where
    return ExportError(f"template {at}: {what} ({hint})")
