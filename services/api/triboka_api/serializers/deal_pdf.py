"""S-41: a deal's trace as a PDF, Spanish by default: the deal summary, then the timeline in order.

reportlab renders it: a pure Python wheel (Pillow, its one binary dependency, bundles its libraries in manylinux
wheels), so the image needs no system libraries, unlike weasyprint (Pango, Cairo, GDK-Pixbuf). Rendering is CPU work: the route runs it in a thread.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from triboka_api.domain.deal_trace import TimelineItem


@dataclass(frozen=True)
class DealSummary:
    code: str
    status: str
    producer: str | None
    exporter: str | None
    description: str | None
    terms: dict[str, Any] | None
    created_at: datetime


STATUS_ES = {"draft": "borrador", "active": "activo", "closed": "cerrado"}


def _text(value: object) -> str:
    return escape(str(value)) if value not in (None, "") else "—"


def _summary(summary: DealSummary, events: int, styles: Any) -> list[Flowable]:
    rows = [
        ["Código", summary.code],
        ["Estado", STATUS_ES.get(summary.status, summary.status)],
        ["Productor", summary.producer or "—"],
        ["Exportador", summary.exporter or "—"],
        ["Creado", f"{summary.created_at:%Y-%m-%d %H:%M} UTC"],
        ["Eventos", str(events)],
    ]
    rows += [[f"Término: {key}", str(value)] for key, value in (summary.terms or {}).items()]
    cells = [
        [Paragraph(f"<b>{escape(k)}</b>", styles["BodyText"]), Paragraph(escape(v), styles["BodyText"])]
        for k, v in rows
    ]
    table = Table(cells, colWidths=[45 * mm, 120 * mm])
    table.setStyle(
        TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    flow: list[Flowable] = [table]
    if summary.description:
        flow += [Spacer(1, 4 * mm), Paragraph(_text(summary.description), styles["BodyText"])]
    return flow


def _timeline(items: Iterable[TimelineItem], styles: Any) -> list[Flowable]:
    entry = ParagraphStyle("entry", parent=styles["BodyText"], spaceBefore=6)
    flow: list[Flowable] = []
    for item in items:
        flow.append(Paragraph(f"<b>{_text(item.title)}</b>", entry))
        detail = f"{item.timestamp:%Y-%m-%d %H:%M} · {_text(item.type)}"
        if item.actor:
            detail += f" · {_text(item.actor)}"
        flow.append(Paragraph(detail, styles["Italic"]))
        if item.description:
            flow.append(Paragraph(_text(item.description), styles["BodyText"]))
    return flow or [Paragraph("Sin eventos.", styles["BodyText"])]


def render_trace_pdf(summary: DealSummary, timeline: list[TimelineItem], generated_at: datetime) -> bytes:
    styles = getSampleStyleSheet()
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=f"Trazabilidad {summary.code}",
        author="Triboka",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )
    story: list[Flowable] = [
        Paragraph(f"Trazabilidad de la negociación {escape(summary.code)}", styles["Title"]),
        Paragraph(f"Generado el {generated_at:%Y-%m-%d %H:%M:%S} UTC", styles["Italic"]),
        Spacer(1, 6 * mm),
        Paragraph("Resumen", styles["Heading2"]),
        *_summary(summary, len(timeline), styles),
        Spacer(1, 6 * mm),
        Paragraph("Cronología", styles["Heading2"]),
        *_timeline(timeline, styles),
    ]
    document.build(story)
    return out.getvalue()
