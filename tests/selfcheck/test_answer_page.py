"""The self-check's answer page as a lay person reads it (issue 11, point 4): shortest useful
first, each sentence once, sources as numbered footnotes with names, advice matched to the
person. Only the presentation changes: the core's answer for the same answers is the same."""

from __future__ import annotations

import html
import re
from collections import Counter
from html.parser import HTMLParser
from typing import Any

from django.test import Client as Browser
from django.urls import reverse

from backcare.core.assessment import assess
from backcare.core.rules.tables import load_tables
from backcare.core.wording import SOURCE_NAME
from backcare.selfcheck.views import SelfCheckForm

BASE = {
    "age": "34",
    "sex": "female",
    "pain_intensity": "5",
    "pain_duration_weeks": "20",
    "pain_regions": ["lumbar"],
    "pain_onset": "gradual",
    "pain_radiation": "none",
    "red_flags": ["none"],
    "conditions": ["none"],  # each an answer of its own, as the warning signs
    "medications": ["none"],
}
WARFARIN = BASE | {"medications": ["anticoagulant"]}
PREGNANT = BASE | {"pregnant": "on", "pregnancy_weeks": "26"}
BLEEDING = "Blood thinners or a bleeding disorder make bruising easier"


class _Main(HTMLParser):
    """The text of <main>, without footnote numbers (<sup>), scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "main" or self.depth:
            self.depth += tag not in ("br", "input", "img", "meta", "link", "hr")
        if self.depth and tag in ("sup", "script", "style"):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag in ("sup", "script", "style"):
            self.skip -= 1
        if self.depth:
            self.depth -= 1
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if self.depth and not self.skip:
            self.parts.append(data)


def answer(answers: dict[str, Any]) -> str:
    page = Browser().post(reverse("self_check"), answers)
    assert page.status_code == 200
    return page.content.decode()


def main_text(body: str) -> str:
    parser = _Main()
    parser.feed(body)
    return re.sub(r"\s+", " ", "".join(parser.parts)).strip()


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.strip()) > 20]


def test_every_source_has_a_readable_name_in_one_place() -> None:
    assert set(SOURCE_NAME) == set(load_tables().sources)
    assert all(name and "[" not in name for name in SOURCE_NAME.values())


def test_a_person_on_warfarin_reads_the_reason_once(db: Any) -> None:
    text = main_text(answer(WARFARIN))
    assert text.count(BLEEDING) == 1
    # Both techniques it rules out are named with it, under what to avoid.
    avoid = text[text.index("What to avoid") :]
    assert avoid.index("Deep tissue massage and Trigger point therapy") < avoid.index(BLEEDING)


def test_no_sentence_is_repeated(db: Any) -> None:
    for answers in (BASE, WARFARIN, PREGNANT, BASE | {"conditions": ["osteoporosis"]}):
        repeated = [s for s, n in Counter(sentences(main_text(answer(answers)))).items() if n > 1]
        assert repeated == [], (answers, repeated)


def test_shortest_useful_first_and_details_folded(db: Any) -> None:
    body = answer(WARFARIN)
    headings = ["What to do", "What to ask for", "What to avoid", "Why, and what else"]
    places = [body.index(f">{h}</h2>") for h in headings]
    assert places == sorted(places)
    assert body.index("<details><summary>What a session is like</summary>") > places[-1]
    assert "<details><summary>Afterwards" in body


def test_sources_are_numbered_footnotes_with_names(db: Any) -> None:
    body = answer(WARFARIN)
    text = main_text(body)
    assert not re.search(r"\[[^\]]*\]", text)  # no [cherkin2011; furlan2015]
    for sid in load_tables().sources:
        assert not re.search(rf"[\[>]{re.escape(sid)}[\];<]", body), sid
    links = re.findall(r'<a href="#note-(\d+)" aria-label="Source \1: ([^"]+)">\1</a>', body)
    assert links
    listed = dict(re.findall(r'<li id="note-(\d+)" value="\1"><strong>([^<]+)</strong>', body))
    for n, name in links:
        assert html.unescape(listed[n]) == html.unescape(name)
    assert listed["1"] == SOURCE_NAME["cherkin2011"]
    assert "Cochrane review (Furlan 2015)" in listed.values()


def test_a_pregnant_person_at_26_weeks_gets_side_lying_and_the_midwife(db: Any) -> None:
    text = main_text(answer(PREGNANT))
    assert "lying on your side (with pillows)" in text
    assert "You lie on your side, supported by pillows" in text
    assert "padded table" not in text
    assert "Check with your midwife or doctor" in text
    assert "your baby moving less than usual" in text  # pregnancy warning signs
    assert "Pregnant (26 weeks)" in text
    not_pregnant = main_text(answer(BASE))
    assert "padded table" in not_pregnant and "midwife" not in not_pregnant


def test_the_cores_answer_is_unchanged_by_the_page(db: Any) -> None:
    for answers in (WARFARIN, PREGNANT):
        form = SelfCheckForm(answers)
        assert form.is_valid()
        assert form.intake is not None
        expected = assess(form.intake).to_json()
        body = answer(answers)
        assert f"<strong>{expected['max_pressure']} pressure</strong> at most" in body
        for key, verdict in expected["techniques"].items():
            name = load_tables().technique_names[key]
            if verdict["verdict"] == "avoid":
                avoid = body[body.index(">What to avoid</h2>") :]
                assert name in avoid[: avoid.index("</section>")]


def test_the_learn_page_has_footnotes_not_keys(db: Any) -> None:
    body = Browser().get(reverse("learn")).content.decode()
    assert not re.search(r"\[[^\]]*\]", main_text(body))
    assert 'href="#note-1"' in body and 'id="note-1"' in body
