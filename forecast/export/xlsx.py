"""The one XLSX writer of peakdata: a workbook built in memory with XlsxWriter, used by the workbook of
``peakdata export`` (:mod:`forecast.export.workbook`) and the sweep table (:mod:`forecast.export.sweep`).

A workbook's creation date is given, never the clock's, so the same content gives the same bytes.
Cell formats are made once per number format and role; the roles are the workbook's styles in the
FAST standard's spirit: ``input`` (blue on pale yellow, the only cells to edit), ``header``,
``title``, ``formula`` and ``wrap``.
"""
from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import numpy as np

__all__ = ["XlsxBook", "column_name", "number"]

#: Cell properties of each role (the number format is added to them).
_ROLES: dict[str, dict[str, Any]] = {
    "plain": {},
    "input": {"font_color": "#0000FF", "bg_color": "#FFF2CC", "border": 1, "border_color": "#BFBFBF"},
    "header": {"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"},
    "title": {"bold": True, "font_size": 13},
    "formula": {"font_color": "#000000"},
    "wrap": {"text_wrap": True, "valign": "top"},
}


class XlsxBook:
    """An XLSX workbook in memory: add sheets to :attr:`wb`, then take the file's bytes from :meth:`close`.

    Parameters
    ----------
    title : str
        The document title in the file's properties.
    created : datetime
        The creation date in the file's properties (fixed, so the bytes do not depend on the clock).
    author : str, optional
        The author in the file's properties (left out when None).
    """

    def __init__(self, title: str, created: datetime, author: str | None = None) -> None:
        import xlsxwriter

        self.buffer = io.BytesIO()
        self.wb = xlsxwriter.Workbook(self.buffer, {"in_memory": True, "strings_to_numbers": False,
                                                    "nan_inf_to_errors": True})
        properties: dict[str, Any] = {"title": title}
        if author is not None:
            properties["author"] = author
        properties["created"] = created
        self.wb.set_properties(properties)
        self.fmt: dict[tuple, Any] = {}

    def style(self, num: str | None = None, role: str = "plain") -> Any:
        """The cell format of a number format (Excel code) and a role (module docstring), made once."""
        key = (num, role)
        if key not in self.fmt:
            props: dict[str, Any] = {"num_format": num} if num else {}
            props.update(_ROLES[role])
            self.fmt[key] = self.wb.add_format(props)
        return self.fmt[key]

    def header(self, ws: Any, row: int, columns: list[str], widths: list[float] | None = None) -> None:
        """A header row of ``columns`` at ``row``, and the widths of the first columns [characters]."""
        for c, text in enumerate(columns):
            ws.write_string(row, c, text, self.style(role="header"))
        for c, width in enumerate(widths or []):
            ws.set_column(c, c, width)

    def close(self) -> bytes:
        """Finish the workbook and return the file's bytes."""
        self.wb.close()
        return self.buffer.getvalue()


def column_name(index: int) -> str:
    """Column letters of a 0-based index: 0 → A, 3 → D, 26 → AA."""
    from xlsxwriter.utility import xl_col_to_name

    return xl_col_to_name(index)


def number(value: Any) -> float | None:
    """A finite number for a cell; None (an empty cell) for NaN and infinity."""
    value = float(value)
    return value if np.isfinite(value) else None
