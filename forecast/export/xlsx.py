"""The one XLSX writer of peakdata: a workbook built in memory with XlsxWriter, used by the workbook of
``peakdata export`` (:mod:`forecast.export.workbook`) and the sweep table (:mod:`forecast.export.sweep`).

A workbook's creation date is given, never the clock's, so the same content gives the same bytes.
Cell formats are made once per number format and role; the roles are the workbook's styles in the
FAST standard's spirit: ``input`` (blue on pale yellow, the only cells to edit), ``linked`` (green: a
cell that takes another sheet's or scenario's input), ``header``, ``title``, ``formula`` and ``wrap``.

Every sheet prints landscape, fitted to the page width, with its header rows repeated on each page
(:meth:`XlsxBook.print_setup`); rows of wrapped text get a height for their number of lines
(:func:`wrapped_lines`), so no viewer draws two lines of text over each other.
"""
from __future__ import annotations

import io
import math
import textwrap
from datetime import datetime
from typing import Any

import numpy as np

__all__ = ["LINE_HEIGHT", "XlsxBook", "column_name", "number", "wrapped_lines"]

#: Height of one line of 11-point text [points].
LINE_HEIGHT = 15.0

#: Cell properties of each role (the number format is added to them).
_ROLES: dict[str, dict[str, Any]] = {
    "plain": {},
    "input": {"font_color": "#0000FF", "bg_color": "#FFF2CC", "border": 1, "border_color": "#BFBFBF", "valign": "top"},
    "header": {"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"},
    "title": {"bold": True, "font_size": 13},
    "formula": {"font_color": "#000000"},
    "linked": {"font_color": "#00802B", "border": 1, "border_color": "#BFBFBF", "valign": "top"},
    "wrap": {"text_wrap": True, "valign": "top"},
    "top": {"valign": "top"},
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

    def wrapped_header(self, ws: Any, row: int, columns: list[str], widths: list[float]) -> None:
        """:meth:`header` with every column's width given and the row as tall as its longest wrapped label."""
        self.header(ws, row, columns, widths)
        self.fit_row(ws, row, list(zip(columns, widths)), bold=True)

    @staticmethod
    def fit_row(ws: Any, row: int, cells: list[tuple[str, float]], bold: bool = False) -> None:
        """Set ``row``'s height to the most lines any of ``cells`` (text, column width) wraps to."""
        lines = max((wrapped_lines(text, width, bold) for text, width in cells), default=1)
        if lines > 1:
            ws.set_row(row, LINE_HEIGHT * lines)

    @staticmethod
    def print_setup(ws: Any, header_rows: int = 1, fit_width: bool = True, repeat_columns: int = 0) -> None:
        """Landscape, 1.5 cm margins, the first ``header_rows`` rows repeated on every page, sheet name
        and page number in the footer; fitted to one page wide (``fit_width``), else the first
        ``repeat_columns`` columns repeated on every page across."""
        ws.set_landscape()
        ws.set_margins(left=0.6, right=0.6, top=0.7, bottom=0.7)
        ws.set_footer("&L&A&Rpage &P of &N")
        if header_rows:
            ws.repeat_rows(0, header_rows - 1)
        if fit_width:
            ws.fit_to_pages(1, 0)
        elif repeat_columns:
            ws.repeat_columns(0, repeat_columns - 1)

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


def wrapped_lines(text: str, width: float, bold: bool = False) -> int:
    """Lines ``text`` takes in a wrapped cell ``width`` characters wide (a column's width is in widths
    of "0"; bold text is taken as 10% wider, and one character is kept for the cell's padding)."""
    usable = max(1, math.floor((width - 1) / (1.1 if bold else 1.0)))
    return sum(max(1, len(textwrap.wrap(part, usable, break_long_words=True))) for part in str(text).split("\n"))
