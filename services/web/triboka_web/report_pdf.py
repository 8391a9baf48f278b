"""A generated report as a PDF (issue 14): its title, its period and its rows as a table, in the user's language.

The reports route imports this module on the first PDF download only: reportlab and Pillow are ~16 MiB that a
worker which never exports does not keep. The labels are translated by the caller's request context (asyncio's
`to_thread` copies it into the rendering thread).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from triboka_web.i18n import _


def render_report_pdf(title: str, period: str, generated: str, rows: Iterable[tuple[str, str]]) -> bytes:
    styles = getSampleStyleSheet()
    cell = styles["BodyText"]
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out, pagesize=A4, title=title, author="Triboka", leftMargin=18 * mm, rightMargin=18 * mm
    )
    # Paragraph cells wrap long metric names instead of overflowing the page
    body = [[Paragraph(escape(metric), cell), Paragraph(escape(value), cell)] for metric, value in rows]
    table = Table([[_("Metric"), _("Value")], *body], colWidths=[120 * mm, 54 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#5d3a1a")),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story: list[Flowable] = [
        Paragraph(escape(title), styles["Title"]),
        Paragraph(escape(period), styles["Italic"]),
        Paragraph(escape(generated), styles["Italic"]),
        Spacer(1, 6 * mm),
        table,
    ]
    document.build(story)
    return out.getvalue()
