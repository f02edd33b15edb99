"""Printable PDFs of a client's record: the progress report and the letter to the doctor.

Pure functions from model objects to bytes (no request). Nothing here decides anything
clinical: the words come from the core's stored assessment and its progress result, through the
same presenting functions as the web pages.

Text is drawn with a Unicode TrueType font (DejaVu Sans from Debian when installed, else the Vera
fonts inside the reportlab wheel), because the built-in PDF fonts cover Latin-1 only. Every piece
of stored text is escaped before it goes into ReportLab's paragraph markup, so a name like
"<b>Ann & Co" prints as written. `invariant` output: the same record and date give the same
bytes (no clock or random id inside the file).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple
from xml.sax.saxutils import escape

import reportlab
from django.utils import timezone
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Circle, Drawing, Line, Rect, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from backcare.accounts.models import Therapist
from backcare.clinic.course import client_progress, course_document
from backcare.clinic.letter import letter_content
from backcare.clinic.models import BODY_REGIONS, Client
from backcare.clinic.presenting import (
    assessment_view,
    meaningful_change,
    progress_chart,
)
from backcare.core.rules.tables import load_tables
from backcare.core.wording import (
    ALERT_NAME,
    NEXT_STEP,
    PAIN_BEFORE_AFTER,
    PAIN_CATEGORY,
    PAIN_SEVERITY,
    PRESSURES,
    RED_FLAG_QUESTIONS,
    SESSION_FIELD,
    SIDE_EFFECTS,
    STATUS,
    URGENCY,
    VERDICT,
    label,
)
from backcare.lib import dates

DISCLAIMER = "backcare is decision support for trained massage therapists, not a diagnosis."

FONT = "BackcareSans"
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN

# The web chart's colours (static/backcare/app.js), so the printed chart reads the same.
BEFORE = colors.HexColor("#a4161a")
AFTER = colors.HexColor("#0b5cad")
CHECKIN = colors.HexColor("#1e6b2f")
BASELINE = colors.HexColor("#6b7580")
THRESHOLD = colors.HexColor("#7a4b00")
GRID = colors.HexColor("#d8dde3")
# Next steps that must not be missed get a coloured box.
STEP_COLOURS = {
    "emergency": colors.HexColor("#f9d6d5"),
    "see_doctor": colors.HexColor("#fbe3c8"),
}

_FACES = {  # (DejaVu file, Vera file) for each face of the family
    "regular": ("DejaVuSans.ttf", "Vera.ttf"),
    "bold": ("DejaVuSans-Bold.ttf", "VeraBd.ttf"),
    "italic": ("DejaVuSans-Oblique.ttf", "VeraIt.ttf"),
    "bold_italic": ("DejaVuSans-BoldOblique.ttf", "VeraBI.ttf"),
}
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
VERA = Path(reportlab.__file__).parent / "fonts"


def font_files() -> dict[str, Path]:
    """The TTF file of each face: DejaVu Sans (covers Polish, Czech, Greek...) when Debian's
    fonts-dejavu-core is installed, else the Vera fonts that ship inside the reportlab wheel
    (always there, but Latin-1 and a little more only: "ą" would print as a box)."""
    dejavu = {face: DEJAVU / files[0] for face, files in _FACES.items()}
    if all(path.is_file() for path in dejavu.values()):
        return dejavu
    return {face: VERA / files[1] for face, files in _FACES.items()}


@cache
def _register_font() -> str:
    """Register the font family once per process; answers its name."""
    from reportlab.lib.fonts import addMapping

    files = font_files()
    for face, path in files.items():
        pdfmetrics.registerFont(TTFont(f"{FONT}-{face}", str(path)))
    # <b> and <i> in paragraph markup pick the family's faces.
    addMapping(FONT, 0, 0, f"{FONT}-regular")
    addMapping(FONT, 1, 0, f"{FONT}-bold")
    addMapping(FONT, 0, 1, f"{FONT}-italic")
    addMapping(FONT, 1, 1, f"{FONT}-bold_italic")
    return f"{FONT}-regular"


def _styles() -> dict[str, ParagraphStyle]:
    regular = _register_font()
    body = ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=12.5, spaceAfter=3)
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8, leading=10, spaceAfter=0),
        "title": ParagraphStyle(
            "title", parent=body, fontName=f"{FONT}-bold", fontSize=17, leading=21, spaceAfter=2
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=body,
            fontName=f"{FONT}-bold",
            fontSize=12,
            leading=15,
            spaceBefore=9,
            spaceAfter=4,
            keepWithNext=1,  # a heading never ends a page alone
        ),
        "name": ParagraphStyle(
            "name", parent=body, fontName=f"{FONT}-bold", fontSize=13, leading=17, spaceAfter=2
        ),
        "h3": ParagraphStyle(
            "h3",
            parent=body,
            fontName=f"{FONT}-bold",
            fontSize=10,
            leading=13,
            spaceBefore=4,
            keepWithNext=1,
        ),
    }


# -- small helpers ------------------------------------------------------------------------------


def _e(value: Any) -> str:
    """Stored text made safe for paragraph markup: printed literally, never read as tags."""
    return escape(str(value))


def _num(value: Any) -> str:
    if value is None:
        return "—"
    return f"{float(value):g}"


def _cite(finding: dict[str, Any]) -> str:
    """ "[RULE; source, source]" after a finding, as on the web pages, so it can be checked."""
    sources = [_e(s) for s in finding.get("sources", [])]
    return f' <font size="7.5" color="#4a5560">[{_e(finding["rule"])}; {", ".join(sources)}]</font>'


def _bullets(items: list[str], style: ParagraphStyle) -> ListFlowable:
    return ListFlowable(
        [ListItem(Paragraph(text, style), leftIndent=12) for text in items],
        bulletType="bullet",
        start="•",
        leftIndent=12,
        bulletFontName=style.fontName,
        bulletFontSize=style.fontSize,
    )


def _table(
    rows: list[list[Any]], widths: Sequence[float], styles: dict[str, ParagraphStyle]
) -> Table:
    """A ruled table; every cell a paragraph so long text wraps inside its column."""
    cell = styles["cell"]
    head = ParagraphStyle("head", parent=cell, fontName=f"{FONT}-bold")
    data = [
        [c if not isinstance(c, str) else Paragraph(c, head if i == 0 else cell) for c in row]
        for i, row in enumerate(rows)
    ]
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, GRID),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f4")),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _sources_section(ids: list[str], styles: dict[str, ParagraphStyle]) -> list[Any]:
    table = load_tables().sources
    lines = []
    for sid in dict.fromkeys(ids):  # once each, in order of first mention
        source = table.get(sid)
        if source is None:
            lines.append(f"<b>{_e(sid)}</b>")
        elif source.is_policy:
            lines.append(f"<b>{_e(sid)}</b>: backcare's own choice where no source sets the number")
        else:
            link = f" {_e(source.link)}" if source.link else ""
            lines.append(f"<b>{_e(sid)}</b>: {_e(source.citation)}{link}")
    if not lines:
        return []
    return [Paragraph("Sources", styles["h2"]), _bullets(lines, styles["small"])]


class _NumberedCanvas(Canvas):
    """Draws the footer once the page count is known ("Page 2 of 3")."""

    footer_left = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # ReportLab's name: called at the end of each page
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._footer(total)
            super().showPage()
        super().save()

    def _footer(self, total: int) -> None:
        self.saveState()
        self.setStrokeColor(GRID)
        self.line(MARGIN, 14 * mm, PAGE_WIDTH - MARGIN, 14 * mm)
        self.setFillColor(colors.HexColor("#4a5560"))
        self.setFont(f"{FONT}-regular", 7.5)
        self.drawString(MARGIN, 10 * mm, self.footer_left)
        self.drawRightString(PAGE_WIDTH - MARGIN, 10 * mm, f"Page {self._pageNumber} of {total}")
        self.drawString(MARGIN, 6.5 * mm, DISCLAIMER)
        self.restoreState()


def _build(story: list[Any], *, title: str, footer: str) -> bytes:
    _register_font()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=22 * mm,
        title=title,
        author="backcare",
        subject=DISCLAIMER,
        creator="backcare",
        producer="backcare",
        invariant=True,  # no creation time or random document id: same record, same bytes
    )
    canvas_class = type("_Canvas", (_NumberedCanvas,), {"footer_left": footer})
    doc.build(story, canvasmaker=canvas_class)
    return buffer.getvalue()


# -- the progress report ------------------------------------------------------------------------


def progress_report_pdf(client: Client, *, printed_on: date | None = None) -> bytes:
    """The client's progress report: who, the current assessment, where the course stands
    (status, next step, alerts), the pain chart, sessions, check-ins, and the sources."""
    styles = _styles()
    printed_on = printed_on or timezone.localdate()
    therapist = client.therapist
    story: list[Any] = [
        Paragraph("Progress report", styles["title"]),
        Paragraph(_e(client.full_name), styles["name"]),
        Paragraph(
            f"Clinic: {_e(client.clinic.name)} · Therapist: {_e(therapist.display_name)}"
            f" · Printed {dates.day(printed_on)}",
            styles["body"],
        ),
    ]
    footer = f"Progress report: {client.full_name} · printed {dates.day(printed_on)}"
    title = f"Progress report: {client.full_name}"
    intake = client.current_intake
    if intake is None:
        story.append(Spacer(1, 6))
        story.append(
            Paragraph(
                "No intake has been recorded yet: progress starts from the intake, so there is "
                "nothing to report.",
                styles["body"],
            )
        )
        return _build(story, title=title, footer=footer)

    document = course_document(client)
    assert document is not None  # there is an intake
    result = client_progress(client, document)
    assert result is not None
    p = result.to_json()
    a = assessment_view(intake.assessment)
    cited: list[str] = []

    # Where things stand first: an emergency or see-a-doctor step must not sit on page 3.
    story += _status_section(client, p, styles, cited)
    story += _assessment_section(intake, a, styles, cited)
    story += _chart_section(progress_chart(document), p, styles)
    story += _change_section(p, styles, cited)
    story += _sessions_section(client, styles)
    story += _checkins_section(client, document, styles)
    story += _sources_section(cited, styles)
    return _build(story, title=title, footer=footer)


def _status_section(
    client: Client, p: dict[str, Any], styles: dict[str, ParagraphStyle], cited: list[str]
) -> list[Any]:
    done = p["sessions_done"]
    lines: list[Any] = [
        Paragraph(f"Next step: {_e(NEXT_STEP[p['next_step']])}", styles["h2"]),
        Paragraph(
            f"Status: <b>{_e(STATUS[p['status']])}</b> after {done} "
            f"session{'' if done == 1 else 's'}. Rules {_e(p['rules_version'])}.",
            styles["body"],
        ),
    ]
    if p["alerts"]:
        items = []
        for alert in p["alerts"]:
            cited.extend(alert["sources"])
            items.append(
                f"<b>{_e(ALERT_NAME[alert['rule']])}</b> ({_e(NEXT_STEP[alert['next_step']])}): "
                f"{_e(alert['therapist_text'])}" + _cite(alert)
            )
        lines += [Paragraph("Alerts", styles["h3"]), _bullets(items, styles["body"])]
    box = Table([[lines]], colWidths=[TEXT_WIDTH], hAlign="LEFT")
    box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.8, colors.HexColor("#9aa5b1")),
                ("BACKGROUND", (0, 0), (-1, -1), STEP_COLOURS.get(p["next_step"], colors.white)),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return [Spacer(1, 6), box]


def _assessment_section(
    intake: Any, a: dict[str, Any], styles: dict[str, ParagraphStyle], cited: list[str]
) -> list[Any]:
    body = styles["body"]
    created = timezone.localtime(intake.created_at).date()
    story: list[Any] = [
        Paragraph("Current assessment", styles["h2"]),
        Paragraph(
            f"Intake of {dates.day(created)} · rules {_e(a['rules_version'])}",
            styles["small"],
        ),
        Paragraph(f"<b>{_e(a['meaning']['therapist_headline'])}</b>", body),
        Paragraph(_e(a["meaning"]["therapist_text"]), body),
    ]

    def findings(items: list[dict[str, Any]]) -> list[str]:
        for f in items:
            cited.extend(f["sources"])
        return [_e(f["therapist_text"]) + _cite(f) for f in items]

    if a["referral"]:
        story += [
            Paragraph(f"Referral: {_e(URGENCY[a['referral']['urgency']])}", styles["h3"]),
            _bullets(findings(a["referral_reasons"]), body),
        ]
    pressure = a["max_pressure"]
    story.append(
        Paragraph(
            f"Pressure: <b>{_e(label(PRESSURES, pressure))}</b> at most."
            if pressure
            else "Pressure: <b>no massage now</b>.",
            body,
        )
    )
    rows: list[list[Any]] = [["Technique", "Verdict", "Why"]]
    for t in a["technique_list"]:
        # Reasons are shown only when massage can go ahead, as on the assessment page.
        reasons = findings(t["reasons"]) if a["proceeding"] else []
        rows.append([_e(t["name"]), _e(VERDICT[t["verdict"]]), "<br/>".join(reasons) or "—"])
    story += [Spacer(1, 3), _table(rows, [105, 70, TEXT_WIDTH - 175], styles)]
    if a["precaution_list"]:
        story += [
            Paragraph("Precautions", styles["h3"]),
            _bullets(findings(a["precaution_list"]), body),
        ]
    if a["cleared_list"]:
        items = []
        for f in a["cleared_list"]:
            cited.extend(f["sources"])
            note = f": {_e(f['note'])}" if f["note"] else ""
            items.append(
                f"{_e(f['therapist_text'])} — cleared {_e(dates.day(f['cleared_on']))} by "
                f"{_e(f['cleared_by'])}{note}" + _cite(f)
            )
        story += [Paragraph("Cleared by a doctor", styles["h3"]), _bullets(items, body)]
    measures = a["measures"]
    line = (
        f"Pain at intake: {_e(PAIN_CATEGORY[measures['pain_category']])}, "
        f"{_e(PAIN_SEVERITY[measures['pain_severity']])}."
    )
    if measures["startback"]:
        sb = measures["startback"]
        line += (
            f" STarT Back: total {sb['total']}/9, psychosocial {sb['psychosocial']}/5, "
            f"{_e(sb['risk'])} risk (Keele STarT Back Screening Tool © Keele University)."
        )
    story += [Spacer(1, 4), Paragraph(line, body)]
    return story


def _chart_section(
    chart: dict[str, Any], p: dict[str, Any], styles: dict[str, ParagraphStyle]
) -> list[Any]:
    heading = Paragraph("Pain chart", styles["h2"])
    if not chart["labels"]:
        return [heading, Paragraph("No sessions or check-ins recorded yet.", styles["body"])]
    caption = (
        "Pain (0–10): before and after each session, and at check-ins. The dashed line is the "
        "level that would count as meaningful improvement from the baseline of "
        f"{_num(p['pain']['baseline'])} ({meaningful_change()['pain_terms']})."
    )
    return [KeepTogether([heading, pain_chart(chart), Paragraph(caption, styles["small"])])]


class _Series(NamedTuple):
    points: list[tuple[float, float]]
    colour: Any
    kind: str  # "line" (with dots), "points" (check-ins) or "level" (a horizontal line)
    label: str
    dash: tuple[int, int] | None = None


def pain_chart(chart: dict[str, Any], width: float = TEXT_WIDTH) -> Drawing:
    """The pain chart of `presenting.progress_chart`'s data, as a ReportLab drawing."""
    font = _register_font()
    labels: list[str] = chart["labels"]  # "5 Jan 2026 · Session 1", "9 Jan 2026 · Check-in"
    count = len(labels)
    level_labels = count <= 8  # else slanted: they need more room below the plot
    bottom = 30.0 if level_labels else 62.0
    height = bottom + 153
    left, right = -0.5, count - 0.5

    def points(values: list[Any]) -> list[tuple[float, float]]:
        return [(i, float(v)) for i, v in enumerate(values) if v is not None]

    def level(value: float) -> list[tuple[float, float]]:
        return [(left, value), (right, value)]

    candidates = [
        _Series(points(chart["before"]), BEFORE, "line", "Pain before session"),
        _Series(points(chart["after"]), AFTER, "line", "Pain after session"),
        _Series(points(chart["checkin"]), CHECKIN, "points", "Check-in"),
        _Series(
            level(chart["baseline"]), BASELINE, "level", f"Baseline ({_num(chart['baseline'])})"
        ),
    ]
    if chart["threshold"] is not None:
        candidates.append(
            _Series(
                level(chart["threshold"]),
                THRESHOLD,
                "level",
                f"Meaningful improvement ({_num(chart['threshold'])} or lower)",
                dash=(4, 3),
            )
        )
    shown = [s for s in candidates if s.points]  # a series with no points draws nothing

    drawing = Drawing(width, height)
    plot = LinePlot()
    plot.x, plot.y = 34, bottom
    plot.width, plot.height = width - 44, height - bottom - 46
    plot.data = [s.points for s in shown]
    for i, s in enumerate(shown):
        line = plot.lines[i]
        line.strokeColor = s.colour
        line.strokeWidth = 1.6 if s.kind == "line" else 1.1
        if s.dash:
            line.strokeDashArray = s.dash
        if s.kind == "line":
            line.symbol = makeMarker("FilledCircle", size=4, fillColor=s.colour)
        elif s.kind == "points":
            # Check-ins are points without a line, as on the web chart.
            line.symbol = makeMarker("FilledSquare", size=5, fillColor=s.colour)
            line.strokeWidth, line.strokeColor = 0, None
    y_axis = plot.yValueAxis
    y_axis.valueMin, y_axis.valueMax, y_axis.valueStep = 0, 10, 2
    y_axis.labels.fontName, y_axis.labels.fontSize = font, 7
    y_axis.visibleGrid, y_axis.gridStrokeColor = True, GRID
    x_axis = plot.xValueAxis
    x_axis.valueMin, x_axis.valueMax = left, right
    x_axis.valueSteps = list(range(count))
    x_axis.labels.fontName = font
    if level_labels:
        # Level, on two lines (date, then what): readable, and extracted as text in order.
        x_axis.labelTextFormat = lambda v: labels[round(v)].replace(" · ", "\n", 1)
        x_axis.labels.fontSize, x_axis.labels.boxAnchor = 6.5, "n"
    else:
        # Many visits: slanted, so that neighbouring labels do not overlap.
        x_axis.labelTextFormat = lambda v: labels[round(v)]
        x_axis.labels.fontSize, x_axis.labels.angle, x_axis.labels.boxAnchor = 5.5, 40, "ne"
        x_axis.labels.dx = 2
    x_axis.labels.dy = -3
    drawing.add(plot)
    drawing.add(String(4, height - 12, "Pain (0–10)", fontName=font, fontSize=8))
    # The legend, in rows above the plot, each entry in its series' colour and dash.
    x, y = 90.0, height - 12
    for s in shown:
        text_width = pdfmetrics.stringWidth(s.label, font, 7)
        if x + 20 + text_width > width:
            x, y = 90.0, y - 11
        if s.kind == "points":
            drawing.add(Rect(x + 5.5, y, 5, 5, fillColor=s.colour, strokeColor=s.colour))
        else:
            drawing.add(
                Line(
                    x,
                    y + 2.5,
                    x + 16,
                    y + 2.5,
                    strokeColor=s.colour,
                    strokeWidth=1.6,
                    strokeDashArray=s.dash,
                )
            )
        if s.kind == "line":
            drawing.add(Circle(x + 8, y + 2.5, 2, fillColor=s.colour, strokeColor=s.colour))
        drawing.add(String(x + 20, y, s.label, fontName=font, fontSize=7))
        x += 20 + text_width + 14
    return drawing


def _change_section(
    p: dict[str, Any], styles: dict[str, ParagraphStyle], cited: list[str]
) -> list[Any]:
    rows: list[list[Any]] = [["Measure", "Baseline", "Latest", "Change", "%", "Meaningful"]]
    for key, name in (
        ("pain", "Pain"),
        ("rmdq", "Roland-Morris"),
        ("odi", "Oswestry"),
        ("peg", "PEG"),
    ):
        change = p[key]
        if change is None:
            continue
        rows.append(
            [
                name,
                _num(change["baseline"]),
                _num(change["latest"]),
                _num(change["change_points"]),
                _num(change["change_percent"]),
                "yes" if change["meaningful"] else "no",
            ]
        )
    sources = meaningful_change()["sources"]
    cited.extend(sources)
    return [
        Paragraph("Change from baseline", styles["h2"]),
        _table(rows, [110, 65, 65, 65, 65, 80], styles),
        Paragraph(f"Meaningful change: {', '.join(sources)}.", styles["small"]),
    ]


def _sessions_section(client: Client, styles: dict[str, ParagraphStyle]) -> list[Any]:
    heading = Paragraph("Sessions", styles["h2"])
    sessions = list(client.sessions.prefetch_related("amendments").order_by("number"))
    if not sessions:
        return [heading, Paragraph("No sessions yet.", styles["body"])]
    names = load_tables().technique_names
    regions = dict(BODY_REGIONS)
    rows: list[list[Any]] = [
        [
            "#",
            "Date",
            PAIN_BEFORE_AFTER,
            SESSION_FIELD["techniques"],
            SESSION_FIELD["pressure"],
            SESSION_FIELD["minutes"],
            SESSION_FIELD["regions"],
            SESSION_FIELD["side_effects"],
            "Record",
        ]
    ]
    for s in sessions:
        v = s.current_values()  # amendments applied, oldest first
        effects = ", ".join(_e(label(SIDE_EFFECTS, e)) for e in v["side_effects"]) or "none"
        if v["side_effects"] and v["side_effect_hours"] is not None:
            effects += f" ({_num(v['side_effect_hours'])} h)"
        if v["new_red_flags"]:
            flags = ", ".join(_e(label(RED_FLAG_QUESTIONS, f)) for f in v["new_red_flags"])
            effects += f"<br/><b>New warning signs: {flags}</b>"
        amended = len(s.amendments.all())
        record = "signed" if s.signed else "not signed yet"
        if s.voided_at:
            record = f"VOID (left out of the course): {_e(s.void_reason)}"
        if amended:
            record += f"; {amended} amendment{'' if amended == 1 else 's'} applied"
        rows.append(
            [
                str(s.number),
                dates.day(s.date),
                f"{v['pain_before']} → {v['pain_after']}",
                ", ".join(_e(names.get(t, t)) for t in v["techniques"]) or "—",
                _e(label(PRESSURES, v["pressure"])),
                "—" if v["minutes"] is None else str(v["minutes"]),
                ", ".join(_e(regions.get(r, r)) for r in v["regions"]) or "—",
                effects,
                record,
            ]
        )
    widths = [20, 58, 44, 80, 48, 46, 68, 72]
    widths.append(TEXT_WIDTH - sum(widths))
    return [heading, _table(rows, widths, styles)]


def _checkins_section(
    client: Client, document: dict[str, Any], styles: dict[str, ParagraphStyle]
) -> list[Any]:
    """Check-ins, and the disability scores with their baseline where any were recorded."""
    checkins = list(client.checkins.order_by("date", "id"))
    baseline = document["baseline"]
    scores = [
        k
        for k in ("rmdq", "odi", "peg")
        if k in baseline or any(getattr(c, k) is not None for c in checkins)
    ]
    if not checkins and not scores:
        return []
    names = {"rmdq": "Roland-Morris (0–24)", "odi": "Oswestry (%)", "peg": "PEG (0–10)"}
    head = ["Date", "Pain", *(names[k] for k in scores), "Reported"]
    rows: list[list[Any]] = [head]
    rows.append(
        ["Intake (baseline)", _num(baseline["pain"]), *(_num(baseline.get(k)) for k in scores), "—"]
    )
    for c in checkins:
        reported = []
        if c.side_effects:
            reported.append(
                "after-effects: " + ", ".join(_e(label(SIDE_EFFECTS, e)) for e in c.side_effects)
            )
        if c.red_flags:
            flags = ", ".join(_e(label(RED_FLAG_QUESTIONS, f)) for f in c.red_flags)
            reported.append(f"<b>warning signs: {flags}</b>")
        source = "by the therapist" if c.source == "therapist" else "by the client"
        rows.append(
            [
                dates.day(c.date),
                _num(c.pain),
                *(_num(getattr(c, k)) for k in scores),
                "; ".join([source, *reported]),
            ]
        )
    widths = [78.0, 40.0, *([70.0] * len(scores))]
    widths.append(TEXT_WIDTH - sum(widths))
    title = "Check-ins and disability scores" if scores else "Check-ins"
    return [Paragraph(title, styles["h2"]), _table(rows, widths, styles)]


# -- the referral letter ------------------------------------------------------------------------


def referral_letter_pdf(
    client: Client, therapist: Therapist, *, printed_on: date | None = None
) -> bytes:
    """The letter for the doctor, or the handover note in an emergency, signed by `therapist`:
    the same content as the letter page (clinic/letter.py::letter_content), drawn here."""
    styles = _styles()
    body = ParagraphStyle("letter", parent=styles["body"], fontSize=10.5, leading=14, spaceAfter=7)
    printed_on = printed_on or timezone.localdate()
    letter = letter_content(client, therapist, today=printed_on)
    head = letter["letterhead"]
    lines = [f"<b>{_e(head['name'])}</b>", *(_e(line) for line in head["address"])]
    if head["contact"]:
        lines.append(_e(head["contact"]))
    if head["extra"]:
        lines.append(f'<font size="8.5">{_e(head["extra"])}</font>')
    story: list[Any] = [
        Paragraph("<br/>".join(lines), body),
        Paragraph(_e(letter["title"]), styles["title"]),
        Paragraph(_e(letter["date"]), body),
        Paragraph(_e(letter["greeting"]), body),
        Paragraph(f"<b>{_e(letter['about'])}</b>", body),
    ]
    for block in letter["blocks"]:
        if block["heading"]:
            story.append(Paragraph(_e(block["heading"]), styles["h2"]))
        story += [Paragraph(_e(text), body) for text in block["paragraphs"]]
        if block["items"]:
            items = [
                (f"<b>{_e(i['lead'])}</b>: " if i["lead"] else "")
                + _e(i["text"])
                + (f' <font size="7.5" color="#4a5560">{_e(i["cite"])}</font>' if i["cite"] else "")
                for i in block["items"]
            ]
            story += [_bullets(items, body), Spacer(1, 5)]
    story.append(
        Paragraph("<br/>".join(_e(x) for x in [letter["closing"], *letter["signature"]]), body)
    )
    story += _sources_section([s["id"] for s in letter["sources"]], styles)
    return _build(
        story,
        title=f"{letter['title']}: {client.full_name}",
        footer=f"{letter['title']}: {client.full_name} · {dates.day(printed_on)}",
    )
