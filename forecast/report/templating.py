"""The one Jinja2 environment of the report, sandboxed: templates come from ``forecast/report/templates/``
and, with ``peakdata report --template DIR``, from a folder a user wrote, so they render in Jinja2's
:class:`~jinja2.sandbox.SandboxedEnvironment` (Jinja2 docs, "Sandbox": no attribute starting with
``_``, no access to a function's globals, a bounded ``range``). An undefined name is an error
(``StrictUndefined``); blocks are trimmed and nothing is escaped (the output is Markdown).

An error of a template becomes an :class:`~forecast.errors.ExportError` naming the template file and
line, with a hint; the CLI prints it and exits 2.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from forecast.errors import ExportError

__all__ = ["TEMPLATES", "environment", "render"]

TEMPLATES = Path(__file__).resolve().parent / "templates"


def environment(template_dir: Path | None = None):
    """The report's sandboxed environment: ``template_dir`` (when given) before the shipped templates."""
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    folders = [str(template_dir)] if template_dir is not None else []
    return SandboxedEnvironment(loader=jinja2.FileSystemLoader(folders + [str(TEMPLATES)]),
                                undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                                keep_trailing_newline=True, autoescape=False)


def render(name: str, context: dict[str, Any], template_dir: Path | None = None) -> str:
    """The text of template ``name`` rendered with ``context`` (whitespace as Jinja2 leaves it).

    Raises
    ------
    ExportError
        A template error, naming the template's file and line.
    """
    import jinja2

    try:
        return environment(template_dir).get_template(name).render(**context)
    except jinja2.TemplateError as exc:
        import traceback

        where = f"{exc.filename}:{exc.lineno}" if getattr(exc, "filename", None) else name
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
        if frames:  # jinja maps template frames to the template's file and line
            where = f"{frames[-1].filename}:{frames[-1].lineno}"
        raise ExportError(f"template {where}: {exc.message or exc} "
                          "(template variables: docs/report.md)") from None
