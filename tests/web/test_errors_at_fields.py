"""Every form error next to its field (issue 15): bad input posted to each therapist form comes
back with the message inside that field's own container (includes/field.html), and no field's
message is left elsewhere on the page."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import pytest
from django.urls import reverse

from backcare.clinic import actions
from support.world import World, browser_for


class Fields(HTMLParser):
    """Each `div.field`: the names of its controls and the error messages inside it; and the
    field error messages (`p.error`) found outside every field."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []  # (tag, opens a field)
        self.fields: list[dict[str, Any]] = []
        self.stray: list[str] = []
        self._error: list[str] | None = None

    def _field(self) -> dict[str, Any] | None:
        depth = sum(1 for _, opens in self.stack if opens)
        return self.fields[-1] if depth else None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        opens = tag == "div" and "field" in classes
        if opens:
            self.fields.append({"names": set(), "errors": [], "marked": "has-error" in classes})
        if tag not in ("input", "br", "img", "meta", "link", "hr"):
            self.stack.append((tag, opens))
        field = self._field()
        if tag in ("input", "select", "textarea") and field is not None and a.get("name"):
            field["names"].add(a["name"])
        if tag == "p" and "error" in classes:
            self._error = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "p" and self._error is not None:
            text = " ".join("".join(self._error).split())
            field = self._field()
            (field["errors"] if field is not None else self.stray).append(text)
            self._error = None
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._error is not None:
            self._error.append(data)


def fields_of(html: str) -> Fields:
    parser = Fields()
    parser.feed(html)
    return parser


@dataclass(frozen=True)
class Bad:
    name: str
    url: Any  # (world) -> address
    data: dict[str, Any]
    field: str
    method: str = "post"


FORMS = [
    Bad("new client", lambda w: reverse("client_new"), {"full_name": ""}, "full_name"),
    Bad(
        "edit client",
        lambda w: reverse("client_edit", args=[w.client.pk]),
        {"full_name": "Carol", "email": "not an address"},
        "email",
    ),
    Bad(
        "intake",
        lambda w: reverse("intake_new", args=[w.client.pk]),
        {"age": "old"},
        "age",
    ),
    Bad(
        "session",
        lambda w: reverse("session_new", args=[w.client.pk]),
        {"date": "not a date", "pain_before": "6", "pain_after": "4"},
        "date",
    ),
    Bad(
        "medical review",
        lambda w: reverse("review_new", args=[w.client.pk]),
        {"date": "2026-01-06", "reviewer": "", "role": "GP"},
        "reviewer",
    ),
    Bad(
        "measurements",
        lambda w: reverse("measurement_new", args=[w.client.pk]),
        {"date": "2026-01-06", "pain": "4", "rmdq": "99"},
        "rmdq",
    ),
    Bad(
        "amendment",
        lambda w: reverse("session_amend", args=[w.client.pk, w.session.pk]),
        {"pain_before": "6", "pain_after": "3", "reason": ""},
        "reason",
    ),
    Bad("invite", lambda w: reverse("staff"), {"display_name": "Ed", "email": "nope"}, "email"),
    Bad(
        "clinic details",
        lambda w: reverse("clinic_details"),
        {"time_zone": "Nowhere/Atlantis"},
        "time_zone",
    ),
    Bad("profile", lambda w: reverse("profile"), {"display_name": " "}, "display_name"),
    Bad("API token", lambda w: reverse("api_tokens"), {"name": ""}, "name"),
    Bad(
        "password",
        lambda w: reverse("password_change"),
        {"old_password": "wrong", "new_password1": "x", "new_password2": "x"},
        "old_password",
    ),
    Bad(
        "FHIR import",
        lambda w: reverse("intake_import", args=[w.client.pk]),
        {},
        "response",
    ),
    Bad("audit log", lambda w: reverse("audit_log"), {"since": "not a date"}, "since", "get"),
]


@pytest.mark.parametrize("bad", FORMS, ids=[b.name for b in FORMS])
def test_a_forms_error_is_inside_its_fields_container(world: World, bad: Bad) -> None:
    actions.sign_session(by=world.therapist, session=world.session)  # amendments need it
    browser = browser_for(world.therapist)
    send = browser.get if bad.method == "get" else browser.post
    response = send(bad.url(world), bad.data)
    assert response.status_code in (200, 400, 422), response.status_code
    found = fields_of(response.content.decode())
    field = next((f for f in found.fields if bad.field in f["names"]), None)
    assert field is not None, f"no field named {bad.field}"
    assert field["marked"] and field["errors"], f"{bad.field} carries no message"
    assert found.stray == [], found.stray  # no field's message away from its field
    others = [f for f in found.fields if f["errors"] and not f["marked"]]
    assert others == []


def test_the_reader_tells_a_message_at_its_field_from_one_elsewhere() -> None:
    at = fields_of(
        '<div class="field has-error"><label for="a">A</label><input name="a">'
        '<p class="error" id="a-error">Enter a.</p></div>'
    )
    assert at.fields[0]["names"] == {"a"} and at.fields[0]["errors"] == ["Enter a."]
    away = fields_of('<div class="field"><input name="a"></div><p class="error">Enter a.</p>')
    assert away.fields[0]["errors"] == [] and away.stray == ["Enter a."]
