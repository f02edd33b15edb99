"""One state per client, one place that computes it.

The core gives a client's whole clinical state from the whole record (`core.state.client_state`,
reached from the web layer as `clinic.course.state_of`). Every surface must take it from there and
say the same thing: the client page, the assessment page, the progress page, the dashboard (its
order and badges), the client's own screens, the PDF progress report and the letter for the
doctor, outcomes.csv, the API's client and progress answers, and the FHIR Bundle.

For each kind of state a client is built through the actions (support/states.py); the expected
state is computed ONCE from `state_of(client)`, and each surface is checked against it, one test
case per (surface, state). A case marked xfail(strict=True) is a disagreement found and not yet
fixed: its reason says which surface says what.

A second test checks that no page shows a raw code (`see_doctor`, `trigger_point`, `AL-PLATEAU`)
to a reader: codes may sit in HTML attributes and in the "rules that fired" details, nowhere else.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.test import Client as Browser
from fhir.resources.R4B.bundle import Bundle

from backcare.clinic import actions
from backcare.clinic.course import state_of
from backcare.clinic.models import Client
from backcare.clinic.summary import STEP_LEVEL
from backcare.core import wording
from backcare.core.rules.tables import load_tables
from backcare.core.state import ClientState
from backcare.core.vocabulary import PROCEEDING
from backcare.core.wording import ALERT_NAME, NEXT_STEP, STATUS, URGENCY
from backcare.fhir import codes
from support import AFTER_THE_FACT
from support.api import call, token_for
from support.downloads import body
from support.states import CLIENT_REPORTED, STATES, Built, build
from support.world import SESSION_VALUES, World, browser_for

DOCTOR = ("see_doctor", "emergency")  # next steps that send the client to a doctor

# Surfaces known to disagree with the state, by (surface, state): each a strict xfail. All the
# disagreements this test found when it was written are fixed; keep the mechanism for new ones.
BUGS: dict[tuple[str, str], str] = {}


def grid(surface: str, keys: tuple[str, ...] = STATES) -> list[Any]:
    """One case per state for `surface`, a strict xfail where a disagreement is known."""
    return [
        pytest.param(
            key,
            id=key,
            marks=[pytest.mark.xfail(strict=True, reason=BUGS[surface, key])]
            if (surface, key) in BUGS
            else [],
        )
        for key in keys
    ]


# -- The one expected state ------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """What every surface must say: read once from `state_of(client)`."""

    next_step: str
    status: str
    sessions_done: int
    alerts: tuple[str, ...]  # alert rule ids, in the state's order
    alert_steps: tuple[str, ...]
    alert_texts: tuple[str, ...]  # the client's words
    alert_therapist_texts: tuple[str, ...]
    top_alert: str | None
    disposition: str
    referral_urgency: str | None
    referral_rules: tuple[str, ...]
    cleared_rules: tuple[str, ...]

    @classmethod
    def of(cls, state: ClientState) -> Expected:
        a, p = state.assessment, state.progress
        return cls(
            next_step=state.next_step,
            status=p.status,
            sessions_done=p.sessions_done,
            alerts=tuple(x.rule for x in state.alerts),
            alert_steps=tuple(x.next_step for x in state.alerts),
            alert_texts=tuple(x.text for x in state.alerts),
            alert_therapist_texts=tuple(x.therapist_text for x in state.alerts),
            top_alert=None if state.top_alert is None else state.top_alert.rule,
            disposition=a.disposition,
            referral_urgency=None if a.referral is None else a.referral.urgency,
            referral_rules=() if a.referral is None else tuple(f.rule for f in a.referral.reasons),
            cleared_rules=tuple(f.rule for f in a.cleared),
        )

    @property
    def level(self) -> int:
        """The dashboard's level for this next step (clinic.summary)."""
        return STEP_LEVEL[self.next_step]

    @property
    def doctor_alerts(self) -> tuple[str, ...]:
        return tuple(r for r, s in zip(self.alerts, self.alert_steps, strict=True) if s in DOCTOR)

    def alert_lines(self) -> list[str]:
        """Each alert as the pages and the PDF write it: name (next step): therapist's text."""
        return [
            f"{ALERT_NAME[rule]} ({NEXT_STEP[step]}): {text}"
            for rule, step, text in zip(
                self.alerts, self.alert_steps, self.alert_therapist_texts, strict=True
            )
        ]


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """The world's three accounts with a quick hasher: this module builds many worlds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Case:
    world: World
    built: Built
    want: Expected
    browser: Browser

    @property
    def client(self) -> Client:
        return self.built.client


@pytest.fixture
def case(request: pytest.FixtureRequest, world: World) -> Case:
    built = build(request.param, world.therapist)
    state = state_of(built.client)
    assert state is not None
    return Case(world, built, Expected.of(state), browser_for(world.therapist))


def test_the_states_are_the_kinds_asked_for(world: World) -> None:
    """The builders really give each kind of state (else the grid below proves little)."""
    got = {}
    for key in STATES:
        state = state_of(build(key, world.therapist).client)
        assert state is not None
        alerts = " ".join(a.rule for a in state.alerts)
        got[key] = (
            f"{state.assessment.disposition} {state.next_step} {state.progress.status} {alerts}"
        )
    assert got == {
        "emergency_at_intake": "emergency emergency no_change AL-UNRESOLVED-REFERRAL",
        "urgent_referral": "urgent_referral see_doctor no_change AL-UNRESOLVED-REFERRAL",
        "cleared": "proceed continue no_change ",
        "warning_at_session": "proceed see_doctor improving AL-NEW-RED-FLAG",
        "warning_at_checkin": "proceed emergency improving AL-NEW-RED-FLAG",
        "reviewed": "proceed continue improving ",
        "worsening": "proceed see_doctor worsening AL-WORSENING",
        "plateau": "proceed reassess no_change AL-PLATEAU",
        "fine": "proceed continue meaningful_improvement ",
    }


# -- Reading HTML: a small tree (html.parser), attributes kept apart from text -----------------

VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}
)
HIDDEN = frozenset({"script", "style", "template"})


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.walk()

    def having(self, attr: str) -> list[Node]:
        return [n for n in self.walk() if attr in n.attrs]

    def text(self) -> str:
        """The text a reader sees: no attributes, no scripts, no "rules that fired" details."""
        parts: list[str] = []

        def visit(node: Node) -> None:
            for child in node.children:
                if isinstance(child, str):
                    parts.append(child)
                elif child.tag in HIDDEN or (
                    child.tag == "details" and "rules-fired" in child.classes
                ):
                    continue
                else:
                    visit(child)

        visit(self)
        return " ".join(" ".join(parts).split())


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str | bytes) -> Node:
    builder = _TreeBuilder()
    builder.feed(html.decode() if isinstance(html, bytes) else html)
    builder.close()
    return builder.root


def page(browser: Browser, url: str) -> Node:
    response = browser.get(url)
    assert response.status_code == 200, url
    return parse(response.content)


def pdf_text(content: bytes, tmp_path: Path) -> str:
    """The PDF's text as pdftotext reads it, with line breaks and layout spaces folded."""
    assert content.startswith(b"%PDF-")
    path = tmp_path / "read.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True)
    return " ".join(out.stdout.split())


# -- (a) the client page, the progress page and (g) the assessment page -------------------------


def check_state_section(tree: Node, want: Expected) -> None:
    """includes/state.html: the one section with data-next-step, its alerts and its words."""
    sections = [n for n in tree.having("data-next-step") if n.tag == "section"]
    assert len(sections) == 1
    section = sections[0]
    assert section.attrs["data-next-step"] == want.next_step
    assert [n.attrs["data-alert"] for n in section.having("data-alert")] == list(want.alerts)
    text = section.text()
    assert NEXT_STEP[want.next_step] in text
    assert f"Status: {STATUS[want.status]} after {want.sessions_done} session" in text
    for line in want.alert_lines():
        assert line in text


@pytest.mark.parametrize("case", grid("client_page"), indirect=True)
def test_client_page(case: Case) -> None:
    check_state_section(page(case.browser, f"/clients/{case.client.pk}/"), case.want)


@pytest.mark.parametrize("case", grid("progress_page"), indirect=True)
def test_progress_page(case: Case) -> None:
    check_state_section(page(case.browser, f"/clients/{case.client.pk}/progress/"), case.want)


@pytest.mark.parametrize("case", grid("state_heading"), indirect=True)
def test_state_heading_words(case: Case) -> None:
    """The state's heading names the next step in the words the dashboard, CSV and PDF use."""
    tree = page(case.browser, f"/clients/{case.client.pk}/")
    (section,) = (n for n in tree.having("data-next-step") if n.tag == "section")
    heading = next(n for n in section.walk() if n.tag == "h2").text()
    assert NEXT_STEP[case.want.next_step] in heading


@pytest.mark.parametrize("case", grid("assessment_page"), indirect=True)
def test_assessment_page(case: Case) -> None:
    """The current intake's assessment page: the state's disposition (its banner, referral and
    clearances) and, being the current one, the state itself."""
    want, intake = case.want, case.client.current_intake
    assert intake is not None
    assert intake.disposition == intake.assessment["disposition"] == want.disposition
    tree = page(case.browser, f"/clients/{case.client.pk}/intakes/{intake.pk}/")
    banners = [n for n in tree.walk() if n.attrs.get("aria-label") == "What to do"]
    assert len(banners) == 1
    assert f"banner-{want.disposition}" in banners[0].classes
    meaning = load_tables().dispositions[want.disposition]
    headline = next(n for n in banners[0].walk() if n.tag == "h2").text()
    assert headline in {meaning["headline"], meaning.get("therapist_headline")}
    banner = banners[0].text()
    if want.referral_urgency is None:
        assert "Referral:" not in banner
    else:
        assert f"Referral: {URGENCY[want.referral_urgency]}" in banner
    for rule in want.referral_rules:
        assert rule in banner
    for rule in want.cleared_rules:
        assert f"[{rule}]" in tree.text()
    check_state_section(tree, want)
    # The client page's intake history says the same disposition, in words.
    history = page(case.browser, f"/clients/{case.client.pk}/").text()
    assert f"— {wording.DISPOSITION[want.disposition]} (" in history


# -- (b) the dashboard: badge, next step, reason; and the order of the whole list ---------------


def dashboard_entries(tree: Node, client: Client, section: str) -> list[Node]:
    """The client's rows in one section of the dashboard's work list (by its heading's id)."""
    href = f"/clients/{client.pk}/"
    (part,) = (n for n in tree.walk() if n.attrs.get("aria-labelledby") == section)
    return [
        n
        for n in part.walk()
        if n.tag in ("tr", "li")
        and any(a.tag == "a" and a.attrs.get("href") == href for a in n.walk())
    ]


@pytest.mark.parametrize("case", grid("dashboard"), indirect=True)
def test_dashboard(case: Case) -> None:
    want = case.want
    client = Client.objects.get(pk=case.client.pk)
    assert client.attention == want.level
    assert (client.next_step, client.status) == (want.next_step, want.status)
    if want.top_alert is None:
        assert client.attention_reason == ""
    else:
        assert client.attention_reason.startswith(f"{ALERT_NAME[want.top_alert]}: ")
    tree = page(case.browser, "/")
    # Everyone is in the full list once, whatever their state (issue 15: the work list).
    assert len(dashboard_entries(tree, client, "everyone-h")) == 1
    attention = dashboard_entries(tree, client, "attention-h")
    if want.level == 0 and not client.alerts_to_acknowledge:
        assert attention == []  # not "needs attention"
        return
    (row,) = attention
    if client.alerts_to_acknowledge:  # kept in the list by the clinic's own work, with a badge
        (badge,) = row.having("data-to-acknowledge")
        assert badge.attrs["data-to-acknowledge"] == str(client.alerts_to_acknowledge)
    assert row.tag == "tr"
    assert f"level-{want.level}" in row.classes
    (cell,) = row.having("data-next-step")
    assert cell.attrs["data-next-step"] == want.next_step
    assert cell.text() == NEXT_STEP[want.next_step]
    assert client.attention_reason in row.text()


def test_dashboard_order(world: World) -> None:
    """Every kind of state in one clinic: the attention list holds exactly those with something
    to act on, most urgent first (emergency first), each row's badge and next step its state's."""
    clients = {key: build(key, world.therapist).client for key in STATES}
    states = {c.pk: state_of(c) for c in (*clients.values(), world.client)}
    tree = page(browser_for(world.therapist), "/")
    table = next(n for n in tree.walk() if n.tag == "table" and "clients" in n.classes)
    rows = [n for n in table.walk() if n.tag == "tr" and n.having("data-next-step")]
    shown = []
    for row in rows:
        (link,) = (a for a in row.walk() if a.tag == "a")
        pk = int(link.attrs["href"].strip("/").split("/")[-1])
        state = states[pk]
        assert state is not None
        (cell,) = row.having("data-next-step")
        assert cell.attrs["data-next-step"] == state.next_step
        assert f"level-{STEP_LEVEL[state.next_step]}" in row.classes
        shown.append((STEP_LEVEL[state.next_step], link.text()))
    # The state's level orders the list; the clinic's own work (an alert to acknowledge) keeps
    # a client in it, after the clients of the same level without one.
    summaries = {c.pk: c for c in Client.objects.filter(pk__in=states)}
    listed = [
        (STEP_LEVEL[s.next_step], summaries[pk].alerts_to_acknowledge, summaries[pk].full_name)
        for pk, s in states.items()
        if s is not None and (STEP_LEVEL[s.next_step] > 0 or summaries[pk].alerts_to_acknowledge)
    ]
    expected = [(lvl, name) for lvl, _, name in sorted(listed, key=lambda t: (-t[0], -t[1], t[2]))]
    assert shown == expected
    assert shown[0][0] == STEP_LEVEL["emergency"]


# -- (c) outcomes.csv -------------------------------------------------------------------------


@pytest.mark.parametrize("case", grid("outcomes_csv"), indirect=True)
def test_outcomes_csv(case: Case) -> None:
    response = case.browser.get("/outcomes.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(body(response).decode())))
    (row,) = (r for r in rows if r["client_id"] == str(case.client.pk))
    want = case.want
    assert row["next_step"] == want.next_step
    assert row["next_step_text"] == NEXT_STEP[want.next_step]
    assert row["status"] == want.status
    assert row["status_text"] == STATUS[want.status]
    assert row["sessions"] == str(want.sessions_done)


# -- (d) the API's client and progress answers ------------------------------------------------


@pytest.mark.parametrize("case", grid("api"), indirect=True)
def test_api(case: Case) -> None:
    want, pk = case.want, case.client.pk
    token = token_for(case.world.therapist, write=False)
    detail = call("get", f"/clients/{pk}", token)
    assert detail.status_code == 200
    body = detail.json()
    assert (body["next_step"], body["status"]) == (want.next_step, want.status)
    assert body["attention"] == want.level
    listed = call("get", "/clients?limit=200", token).json()
    (entry,) = (c for c in listed if c["id"] == pk)
    assert entry == body
    progress = call("get", f"/clients/{pk}/progress", token)
    assert progress.status_code == 200
    p = progress.json()
    assert (p["next_step"], p["status"]) == (want.next_step, want.status)
    assert p["sessions_done"] == want.sessions_done
    assert [a["rule"] for a in p["alerts"]] == list(want.alerts)
    assert [a["next_step"] for a in p["alerts"]] == list(want.alert_steps)
    assert [a["text"] for a in p["alerts"]] == list(want.alert_texts)


# -- (e) the PDF progress report, and the letter for the doctor --------------------------------


@pytest.mark.parametrize("case", grid("pdf_report"), indirect=True)
def test_pdf_progress_report(case: Case, tmp_path: Path) -> None:
    response = case.browser.get(f"/clients/{case.client.pk}/progress-report.pdf")
    assert response.status_code == 200
    text = pdf_text(response.content, tmp_path)
    want = case.want
    assert f"Next step: {NEXT_STEP[want.next_step]}" in text
    assert f"Status: {STATUS[want.status]} after {want.sessions_done} session" in text
    for line in want.alert_lines():
        assert line in text
    if not want.alerts:
        assert "Alerts" not in text.split("Current assessment")[0]


@pytest.mark.parametrize("case", grid("pdf_assessment"), indirect=True)
def test_pdf_assessment_section(case: Case, tmp_path: Path) -> None:
    """The PDF report's "Current assessment" says what the therapist's assessment page says:
    the disposition's headline, the referral's urgency, each technique's verdict."""
    intake = case.client.current_intake
    assert intake is not None
    tree = page(case.browser, f"/clients/{case.client.pk}/intakes/{intake.pk}/")
    (banner,) = (n for n in tree.walk() if n.attrs.get("aria-label") == "What to do")
    said = [next(n for n in banner.walk() if n.tag == "h2").text()]
    said += [n.text() for n in banner.walk() if n.tag == "strong" and "Referral:" in n.text()]
    for item in (n for n in tree.walk() if n.tag == "li" and "technique" in n.classes):
        name = next(n for n in item.walk() if n.tag == "strong").text()
        verdict = next(n for n in item.walk() if "verdict" in n.classes).text()
        said.append(f"{name} {verdict}")
    response = case.browser.get(f"/clients/{case.client.pk}/progress-report.pdf")
    section = pdf_text(response.content, tmp_path).split("Current assessment", 1)[1]
    assert [s for s in said if s not in section] == []


@pytest.mark.parametrize("case", grid("letter"), indirect=True)
def test_letter_for_the_doctor(case: Case, tmp_path: Path) -> None:
    """The letter (PDF and page) gives the state's disposition; and when the next step is a
    doctor, it says so and names the alerts that send the client there."""
    want, pk = case.want, case.client.pk
    response = case.browser.get(f"/clients/{pk}/referral-letter.pdf")
    assert response.status_code == 200
    letters = {
        "pdf": pdf_text(response.content, tmp_path),
        "page": page(case.browser, f"/clients/{pk}/referral-letter/").text(),
    }
    meaning = load_tables().dispositions[want.disposition]
    for kind, text in letters.items():
        assert meaning["headline"] in text or meaning.get("therapist_headline", "") in text, kind
        for rule in want.referral_rules:
            assert rule in text, kind
    for kind, text in letters.items():
        if want.next_step in DOCTOR:
            assert NEXT_STEP[want.next_step] in text, kind
        for rule in want.doctor_alerts:
            assert ALERT_NAME[rule] in text, kind


# -- (f) FHIR ---------------------------------------------------------------------------------


def _coding(resource: dict[str, Any]) -> tuple[str, str]:
    coding = resource["code"]["coding"][0]
    return coding["system"], coding["code"]


@pytest.mark.parametrize("case", grid("fhir"), indirect=True)
def test_fhir_flags(case: Case) -> None:
    """What the Bundle represents of the state: the intake's referral (active Flags and a
    ServiceRequest of the referral's priority), the clearances (inactive Flags), and warning
    signs from visits (active Flags exactly while the state has an unresolved one), and one
    active Flag per alert of the state."""
    want = case.want
    response = case.browser.get(f"/clients/{case.client.pk}/fhir.json")
    assert response.status_code == 200
    resources = [e["resource"] for e in response.json()["entry"]]
    flags = [r for r in resources if r["resourceType"] == "Flag"]
    rule_flags = {
        (code, f["status"])
        for f in flags
        for system, code in [_coding(f)]
        if system == codes.RULE and code.startswith("RF-")
    }
    assert rule_flags == {(r, "active") for r in want.referral_rules} | {
        (r, "inactive") for r in want.cleared_rules
    }
    requests = [r for r in resources if r["resourceType"] == "ServiceRequest"]
    assert bool(requests) == ("AL-UNRESOLVED-REFERRAL" in want.alerts)
    if want.referral_urgency is not None:
        priority = {"emergency": "stat", "urgent": "urgent", "routine": "routine"}
        assert [r["priority"] for r in requests] == [priority[want.referral_urgency]]
    active_signs = sorted(
        code
        for f in flags
        for system, code in [_coding(f)]
        if system == codes.RED_FLAG and f["status"] == "active"
    )
    assert bool(active_signs) == ("AL-NEW-RED-FLAG" in want.alerts), active_signs
    # The course's alerts themselves, as the state has them.
    alert_flags = {
        code
        for f in flags
        for system, code in [_coding(f)]
        if system == codes.RULE and code.startswith("AL-") and f["status"] == "active"
    }
    assert alert_flags == set(want.alerts)


# -- the client's own screens -----------------------------------------------------------------


@pytest.mark.parametrize("case", grid("client_assessment_screen"), indirect=True)
def test_client_assessment_screen(case: Case) -> None:
    """The client's own view of their assessment (the portal page after an intake link)."""
    intake = case.client.current_intake
    assert intake is not None
    browser = Browser()
    session = browser.session
    session["portal_client_id"] = case.client.pk
    session["portal_intake_id"] = intake.pk
    session.save()
    tree = page(browser, "/c/assessment/")
    disposition = case.want.disposition
    if disposition not in PROCEEDING:
        # Issue 11: an emergency or a referral is its own page, with what to do first alone.
        (section,) = tree.having("data-advice")
        assert f"banner-{disposition}" in section.classes
        step = "emergency" if disposition == "emergency" else "see_doctor"
        assert section.attrs["data-advice"] == step
        return
    (banner,) = (n for n in tree.walk() if n.attrs.get("aria-label") == "What to do")
    assert f"banner-{disposition}" in banner.classes
    headline = next(n for n in banner.walk() if n.tag == "h2").text()
    assert headline == load_tables().dispositions[disposition]["headline"]


@pytest.mark.parametrize("case", grid("client_checkin_screen", CLIENT_REPORTED), indirect=True)
def test_client_checkin_screen(case: Case) -> None:
    """What the client was told on submitting the check-in that set their state: the same step
    (emergency, or see a doctor) and the state's alerts in the client's words."""
    want, screen = case.want, case.built.client_screen
    assert screen is not None
    advice = parse(screen).having("data-advice")
    if want.next_step not in DOCTOR:
        assert advice == []
        return
    (section,) = advice
    assert section.attrs["data-advice"] == want.next_step
    items = [n.text() for n in section.walk() if n.tag == "li" and "data-reason" in n.attrs]
    assert len(items) == len(want.alerts)
    for text in want.alert_texts:
        assert sum(item.endswith(text) for item in items) == 1, (text, items)


# -- No raw codes on the shared world's pages --------------------------------------------------


def _raw_codes() -> frozenset[str]:
    """Codes that have words (core/wording.py) and read as codes: snake_case or alert ids."""
    tables: list[Any] = [
        wording.STATUS, wording.NEXT_STEP, wording.DISPOSITION, wording.ALERT_NAME,
        wording.SESSION_FIELD, wording.INTAKE_SOURCE, wording.TECHNIQUES, wording.SIDE_EFFECTS,
        wording.RED_FLAG_QUESTIONS, wording.CONDITIONS, wording.MEDICATIONS, wording.PRESSURES,
        wording.REVIEW_SOURCE, wording.REVIEW_OUTCOME, wording.REASON_KIND,
    ]  # fmt: skip
    found = {code for table in tables for code in dict(table)}
    found |= {"red_flags", "side_effect", "side_effects", "new_red_flags", "AL-PLATEAU"}
    return frozenset(c for c in found if "_" in c or c.startswith("AL-"))


RAW_CODES = _raw_codes()
SNAKE_CASE = re.compile(r"(?<![\w./:=?&#-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w-])")


def raw_codes_in(text: str) -> list[str]:
    """The raw codes in a reader's text: those named above, and any snake_case word."""
    text = re.sub(r"https?://\S+", " ", text)
    named = {c for c in RAW_CODES if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text)}
    return sorted(named | set(SNAKE_CASE.findall(text)))


def test_raw_code_finder() -> None:
    html = (
        '<p data-next-step="see_doctor" class="step-see_doctor">See a doctor</p>'
        '<details class="rules-fired"><summary>Rule</summary>AL-PLATEAU; trigger_point</details>'
        "<script>var no_change = 1;</script>"
        "<p>Status: no_change; AL-PLATEAU, and https://example.org/a_b</p>"
    )
    assert raw_codes_in(parse(html).text()) == ["AL-PLATEAU", "no_change"]


def a_record_with_alerts(world: World) -> dict[str, str]:
    """The world's client given a full record: session 1 signed and amended (techniques and pain
    after), four more sessions without change (the fifth with after-effects and a warning sign),
    a check-in with numbness and fever, and a review of the numbness. Answers the pages."""
    user, client = world.therapist, world.client
    first = world.session
    actions.sign_session(by=user, session=first)
    actions.amend_session(
        by=user,
        session=first,
        changes={"techniques": ["swedish"], "pain_after": 5},
        reason="Trigger point work was planned, not done.",
    )
    start = first.date
    last = first
    for week in range(1, 5):
        values = dict(SESSION_VALUES) | {"pain_before": 6, "pain_after": 5}
        if week == 4:
            values |= {
                "side_effects": ["soreness", "increased_pain", "dizziness", "skin_reaction"],
                "side_effect_hours": Decimal(72),
                "new_red_flags": ["unexplained_weight_loss"],
            }
        last = actions.record_session(
            by=user,
            client=client,
            when=start + dt.timedelta(weeks=week),
            values=values,
            override=AFTER_THE_FACT,
        )
    actions.record_checkin(
        by=None,
        client=client,
        when=start + dt.timedelta(weeks=5),
        pain=6,
        side_effects=["numbness", "fever"],
        actor_label="Carol Client (client, one-time link)",
    )
    actions.record_review(
        by=user,
        client=client,
        values={
            "date": start + dt.timedelta(weeks=6),
            "rules": ["AL-NEURO-SYMPTOMS"],
            "by": "Dr N. Okafor",
            "role": "GP",
            "source": "clinician_contacted",
            "outcome": "with_restrictions",
            "note": "Light pressure only.",
        },
        today=start + dt.timedelta(weeks=6),
    )
    intake = client.current_intake
    assert intake is not None
    pk = client.pk
    return {
        "client": f"/clients/{pk}/",
        "progress": f"/clients/{pk}/progress/",
        "assessment": f"/clients/{pk}/intakes/{intake.pk}/",
        "assessment_for_client": f"/clients/{pk}/intakes/{intake.pk}/?for=client",
        "session_amended": f"/clients/{pk}/sessions/{first.pk}/",
        "session_with_effects": f"/clients/{pk}/sessions/{last.pk}/",
        "dashboard": "/",
    }


# Pages known to show raw codes (name -> what), each a strict xfail; none at present.
RAW_CODE_BUGS: dict[str, str] = {}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            name,
            marks=[pytest.mark.xfail(strict=True, reason=RAW_CODE_BUGS[name])]
            if name in RAW_CODE_BUGS
            else [],
        )
        for name in (
            "client",
            "progress",
            "assessment",
            "assessment_for_client",
            "session_amended",
            "session_with_effects",
            "dashboard",
        )
    ],
)
def test_no_raw_codes_on_pages(world: World, name: str) -> None:
    pages = a_record_with_alerts(world)
    state = state_of(world.client)
    assert state is not None and len(state.alerts) >= 5  # the record has plenty to show
    tree = page(browser_for(world.therapist), pages[name])
    assert raw_codes_in(tree.text()) == []


def test_no_raw_codes_on_any_page_of_the_world(world: World) -> None:
    """Every HTML page a therapist reaches for the world's client (the every-URL list of
    test_access), the dashboard and the audit log: no raw code outside the rules-fired details."""
    from web.test_access import client_urls

    a_record_with_alerts(world)
    world.client.refresh_from_db()
    browser = browser_for(world.therapist)
    urls = [
        u
        for u in client_urls(world, world.client, world.client.current_intake, world.session)
        # PDFs are read in their own tests; the signed session's edit page redirects.
        if u and not u.endswith((".pdf", "/edit/"))
    ]
    urls += ["/", "/audit/"]
    found = {url: raw_codes_in(page(browser, url).text()) for url in urls}
    bad = {url: codes for url, codes in found.items() if codes}
    assert bad == {}, str(bad)


# -- A session's minutes: one fact, every surface that shows a session ------------------------


def test_a_sessions_amended_minutes_on_every_surface(world: World, tmp_path: Path) -> None:
    """A session recorded with 45 minutes, signed, then amended to 50: every surface that shows
    the session gives 50 (the JSON export keeps the original with its amendment), under the
    one label of core/wording.py; the world's session without minutes shows none anywhere."""
    client, label = world.client, wording.SESSION_FIELD["minutes"]
    session = actions.record_session(
        by=world.therapist,
        client=client,
        when=dt.date(2026, 1, 12),
        values={**SESSION_VALUES, "minutes": 45},
    )
    actions.sign_session(by=world.therapist, session=session)
    actions.amend_session(
        by=world.therapist,
        session=session,
        changes={"minutes": 50},
        reason="The session ran five minutes over.",
    )
    browser, pk = browser_for(world.therapist), client.pk
    plain = world.session  # recorded without minutes
    # The therapist's session page and the client's page (its list of sessions).
    for s, want in ((session, "50"), (plain, "—")):
        tree = page(browser, f"/clients/{pk}/sessions/{s.pk}/")
        (minutes,) = tree.having("data-minutes")
        assert minutes.text() == want
        assert f"{label} {want}" in tree.text()
    tree = page(browser, f"/clients/{pk}/")
    assert [n.text() for n in tree.having("data-minutes")] == ["—", "50"]
    (head,) = (n for n in tree.walk() if n.tag == "thead" and "Pain before" in n.text())
    assert label in [n.text() for n in head.walk() if n.tag == "th"]
    # The API's session answers, the list and the one session.
    token = token_for(world.therapist, write=False)
    listed = call("get", f"/clients/{pk}/sessions", token).json()
    assert [s["minutes"] for s in listed] == [None, 50]
    assert call("get", f"/clients/{pk}/sessions/{session.pk}", token).json()["minutes"] == 50
    # sessions.csv (amendments applied) and the JSON export (the original and its amendment).
    rows = csv.DictReader(io.StringIO(body(browser.get(f"/clients/{pk}/sessions.csv")).decode()))
    assert [r["minutes"] for r in rows if r["kind"] == "session"] == ["", "50"]
    data = browser.get(f"/clients/{pk}/export.json").json()
    (exported,) = (s for s in data["sessions"] if s["id"] == session.pk)
    assert exported["original"]["minutes"] == 45
    assert [(a["field"], a["new_value"]) for a in exported["amendments"]] == [("minutes", 50)]
    # The PDF progress report's sessions table: the column, and each row's value (read with
    # pdftotext -layout, so that a table row stays one line).
    report = tmp_path / "report.pdf"
    report.write_bytes(browser.get(f"/clients/{pk}/progress-report.pdf").content)
    layout = subprocess.run(
        ["pdftotext", "-layout", str(report), "-"], check=True, capture_output=True, text=True
    ).stdout
    lines = [" ".join(line.split()) for line in layout.splitlines()]
    # The headings' first words on one line (a narrow column wraps "Most pressure").
    field = wording.SESSION_FIELD
    heads = " ".join(words.split()[0] for words in (field["pressure"], label, field["regions"]))
    assert any(heads in line for line in lines), layout
    assert any(re.match(r"2 12 Jan 2026 6 ?→ ?4 .* Medium 50 Lower back", line) for line in lines)
    assert any(re.match(r"1 5 Jan 2026 6 ?→ ?4 .* Medium — Lower back", line) for line in lines)
    # FHIR: the Procedure's Encounter lasted 50 minutes (UCUM); none for the plain session.
    bundle = browser.get(f"/clients/{pk}/fhir.json").json()
    Bundle.model_validate(bundle)  # valid R4 (fhir.resources' R4B models), the Encounter too
    resources = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    procedures = [r for r in resources.values() if r["resourceType"] == "Procedure"]
    encounters = {
        p["performedDateTime"]: resources[p["encounter"]["reference"]]
        for p in procedures
        if "encounter" in p
    }
    assert list(encounters) == ["2026-01-12"]
    assert encounters["2026-01-12"]["length"] == {
        "value": 50,
        "unit": "min",
        "system": "http://unitsofmeasure.org",
        "code": "min",
    }
