"""The monthly report (通报) of a city union as a PDF: the same tables as the printable page, on A4.

reportlab draws it with its built-in CJK font STSong-Light (a CID font every PDF reader has), so no
font file is downloaded or installed and `make run` on a fresh machine produces it. The words
(headings, column headers, "no data") come from the caller, who reads them from content.
"""
from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from bot.stats.report import Table

FONT = "STSong-Light"


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else str(value)


def monthly_report_pdf(heading: str, subtitle: str, tables: Sequence[Table], title: Callable[[Table], str],
                       headers: Callable[[Table], list[str]], empty: str, author: str = "") -> bytes:
    """The report as PDF bytes: the heading, the period, then each table with its number and title."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer
    from reportlab.platypus import Table as PdfTable
    from reportlab.platypus import TableStyle

    font = _font()
    h1 = ParagraphStyle("h1", fontName=font, fontSize=16, leading=22, alignment=1, spaceAfter=4 * mm)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=12, leading=16, spaceBefore=4 * mm, spaceAfter=2 * mm)
    small = ParagraphStyle("small", fontName=font, fontSize=9, leading=13, textColor=colors.HexColor("#616e7c"))
    cell = ParagraphStyle("cell", fontName=font, fontSize=9, leading=12, wordWrap="CJK")

    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm, topMargin=16 * mm,
                                 bottomMargin=16 * mm, title=heading, author=author)
    width = A4[0] - 28 * mm
    story = [Paragraph(heading, h1), Paragraph(subtitle, small)]
    for number, table in enumerate(tables, 1):
        names = headers(table)
        rows = [[Paragraph(_cell(h), cell) for h in names]]
        rows += [[Paragraph(_cell(v), cell) for v in row] for row in table.rows]
        if not table.rows:
            rows.append([Paragraph(empty, cell)] + [""] * (len(names) - 1))
        drawn = PdfTable(rows, colWidths=[width / len(names)] * len(names), repeatRows=1)
        style = [("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
                 ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")),
                 ("VALIGN", (0, 0), (-1, -1), "TOP")]
        if not table.rows:
            style.append(("SPAN", (0, 1), (-1, 1)))
        drawn.setStyle(TableStyle(style))
        heading_of_table = Paragraph(f"{number}. {title(table)}", h2)
        story.append(KeepTogether([heading_of_table, drawn]) if len(rows) < 25 else heading_of_table)
        if len(rows) >= 25:
            story.append(drawn)
        story.append(Spacer(1, 2 * mm))
    document.build(story)
    return out.getvalue()
