"""Every URL against every actor: allowed, 404, or a redirect to sign in. Nothing leaks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import pytest
from django.test import Client as Browser
from django.urls import URLResolver, get_resolver, reverse

from backcare.audit.models import AuditEvent
from support.intake_link import link_answers
from support.world import World, browser_for, make_therapist


@pytest.fixture(autouse=True)
def _quick_password_hashes(settings: Any) -> None:
    """Argon2 is slow on purpose; this module makes many accounts and checks no password."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_urls(w: World, client: Any, intake: Any, session: Any) -> list[str]:
    c = client.pk
    return [
        reverse("client_detail", args=[c]),
        reverse("client_edit", args=[c]),
        reverse("intake_import", args=[c]),
        reverse("intake_new", args=[c]),
        reverse("intake_detail", args=[c, intake.pk]),
        reverse("session_new", args=[c]),
        reverse("session_detail", args=[c, session.pk]) if session else None,
        reverse("session_edit", args=[c, session.pk]) if session else None,
        reverse("progress", args=[c]),
        reverse("measurement_new", args=[c]),
        reverse("referral_letter", args=[c]),
        reverse("progress_report_pdf", args=[c]),
        reverse("referral_letter_pdf", args=[c]),
    ]


GLOBAL_PAGES = ["dashboard", "client_new", "needs_attention"]


@pytest.mark.parametrize("page", GLOBAL_PAGES)
def test_global_pages(world: World, page: str) -> None:
    url = reverse(page)
    assert browser_for(world.therapist).get(url).status_code == 200
    assert browser_for(world.colleague).get(url).status_code == 200
    assert browser_for(world.outsider).get(url).status_code == 404  # no clinic
    anonymous = browser_for(None).get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))


def test_client_pages_are_the_owning_clinics_only(world: World) -> None:
    urls = [u for u in client_urls(world, world.client, world.intake, world.session) if u]
    for url in urls:
        assert browser_for(world.therapist).get(url).status_code == 200, url
        assert browser_for(world.colleague).get(url).status_code == 404, url
        assert browser_for(world.outsider).get(url).status_code == 404, url
        anonymous = browser_for(None).get(url)
        assert anonymous.status_code == 302 and "sign-in" in anonymous["Location"], url


def test_an_object_of_another_client_is_404_even_under_an_allowed_client(world: World) -> None:
    """A session id from another clinic's client cannot be reached through one's own client."""
    other_intake = world.other_client.current_intake
    url = reverse("intake_detail", args=[world.client.pk, other_intake.pk])
    assert browser_for(world.therapist).get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("session_sign", "session"),
        ("session_amend", "session"),
        ("link_create", "client"),
        ("clearance_add", "intake"),
        ("intake_reassess", "intake"),
        ("session_void", "session"),
        ("session_check", "client"),
        ("review_new", "client"),
    ],
)
def test_posts_are_refused_outside_the_clinic_and_change_nothing(
    world: World, name: str, args: str
) -> None:
    c = world.client.pk
    url = reverse(
        name,
        args={
            "session": [c, world.session.pk],
            "client": [c],
            "intake": [c, world.intake.pk],
        }[args],
    )
    before = AuditEvent.objects.count()
    intakes = world.client.intakes.count()
    form = {
        "purpose": "checkin",
        "void_reason": "Entered for the wrong client.",
        "rules": ["RF-FEVER"],
    }
    for user in (world.colleague, world.outsider):
        assert browser_for(user).post(url, form).status_code == 404
    assert browser_for(None).post(url).status_code == 302
    assert AuditEvent.objects.count() == before
    world.session.refresh_from_db()
    assert world.session.signed_at is None and world.session.voided_at is None
    assert world.client.intakes.count() == intakes and not world.client.reviews.exists()


def test_another_clinics_alert_cannot_be_acknowledged(world: World) -> None:
    from backcare.clinic import actions
    from backcare.clinic.models import ClinicAlert

    actions.record_checkin(
        by=world.therapist, client=world.client, when=world.session.date, pain=5,
        red_flags=["saddle_numbness"],
    )  # fmt: skip
    alert = ClinicAlert.objects.get(client=world.client)
    url = reverse("alert_acknowledge", args=[world.client.pk, alert.pk])
    for user in (world.colleague, world.outsider):
        assert browser_for(user).post(url).status_code == 404
    # Nor through one's own client: the alert belongs to another client.
    own = reverse("alert_acknowledge", args=[world.other_client.pk, alert.pk])
    assert browser_for(world.colleague).post(own).status_code == 404
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_get_on_post_only_urls_is_405(world: World) -> None:
    url = reverse("session_sign", args=[world.client.pk, world.session.pk])
    assert browser_for(world.therapist).get(url).status_code == 405


def test_audit_log_is_for_clinic_admins_only_and_shows_only_their_clinic(world: World) -> None:
    url = reverse("audit_log")
    page = browser_for(world.therapist).get(url)
    assert page.status_code == 200
    assert "Carol Client" in page.content.decode() and "Dan Other" not in page.content.decode()
    assert browser_for(world.outsider).get(url).status_code == 404
    from backcare.accounts.models import Therapist

    Therapist.objects.filter(user=world.colleague).update(is_clinic_admin=False)
    assert browser_for(world.colleague).get(url).status_code == 404


def test_dashboard_lists_only_the_clinics_clients(world: World) -> None:
    body = browser_for(world.therapist).get(reverse("dashboard")).content.decode()
    assert "Carol Client" in body and "Dan Other" not in body


def test_portal_pages_need_a_valid_link(world: World) -> None:
    for name in ("portal_intake", "portal_checkin"):
        assert browser_for(None).get(reverse(name, args=["not-a-token"])).status_code == 404
    assert browser_for(None).get(reverse("portal_result")).status_code == 404


def test_health_is_public_and_plain(world: World) -> None:
    response = browser_for(None).get(reverse("health"))
    assert response.status_code == 200 and response.content == b"ok"


def test_a_client_with_a_portal_session_reaches_only_their_own_answer(world: World) -> None:
    from backcare.clinic import actions

    _, token = actions.create_link(by=world.therapist, client=world.client, purpose="intake")
    phone = browser_for(None)
    form = {
        "age": "45",
        "sex": "unspecified",
        "pain_intensity": "4",
        "pain_duration_weeks": "10",
        "pain_regions": ["lumbar"],
        "pain_onset": "gradual",
        "pain_radiation": "none",
        "red_flags": ["none"],
    }
    assert phone.post(reverse("portal_intake", args=[token]), link_answers(form)).status_code == 302
    assert phone.get(reverse("portal_result")).status_code == 200
    # the client is not a therapist: every therapist page sends them to sign in
    for url in client_urls(world, world.client, world.intake, world.session):
        if url:
            response = phone.get(url)
            assert response.status_code == 302 and "sign-in" in response["Location"], url
    assert phone.get(reverse("dashboard")).status_code == 302
    assert AuditEvent.objects.filter(action="view.client_assessment", client=world.client).exists()


def test_a_search_with_a_nul_character_is_harmless(world: World) -> None:
    response = browser_for(world.therapist).get(reverse("dashboard"), {"q": "car\x00ol"})
    assert response.status_code == 200 and "Carol Client" in response.content.decode()


# -- Every URL of the resolver, every actor ------------------------------------------------------
#
# The table below has an entry for every URL name the resolver knows (web pages and /api/v1
# operations alike): a URL added without one fails
# `test_every_url_of_the_resolver_has_an_entry`. Each entry says how the URL is called and what
# each actor gets: "ok" (the view is reached: no 404, no sign-in, no server error), "404", or
# "sign-in" (a redirect to the sign-in page; 401 for the API). The actors, from least to most
# allowed (each URL is tried in that order, so the admin's change comes last):
ACTORS = ("anonymous", "deactivated", "outsider", "other_admin", "therapist", "admin")
# anonymous: nobody signed in; deactivated: a therapist of the clinic whose account was
# deactivated after signing in; outsider: an account without a clinic; other_admin: the admin
# of another clinic; therapist: a therapist (not an admin) of the clinic; admin: its admin.

SIGN_IN = {"anonymous": "sign-in", "deactivated": "sign-in"}
RULES: dict[str, dict[str, str]] = {
    "public": dict.fromkeys(ACTORS, "ok"),
    "signed_in": {**SIGN_IN, **dict.fromkeys(ACTORS[2:], "ok")},  # any account
    "therapist": {**SIGN_IN, "outsider": "404", **dict.fromkeys(ACTORS[3:], "ok")},
    # a record of the clinic: its therapists and admin
    "clinic": {**SIGN_IN, "outsider": "404", "other_admin": "404", "therapist": "ok",
               "admin": "ok"},
    # the clinic admin's own pages (each admin sees their own clinic's)
    "admin": {**SIGN_IN, "outsider": "404", "other_admin": "ok", "therapist": "404",
              "admin": "ok"},
    # the clinic admin's power over a record or a person of the clinic
    "clinic_admin": {**SIGN_IN, **dict.fromkeys(ACTORS[2:5], "404"), "admin": "ok"},
    # the admin's own API token
    "own": {**SIGN_IN, **dict.fromkeys(ACTORS[2:5], "404"), "admin": "ok"},
}  # fmt: skip


@dataclass(frozen=True)
class Entry:
    rule: str
    args: tuple[str, ...] = ()  # the names of the objects the URL takes (Objects' fields)
    method: str = "get"
    overrides: tuple[tuple[str, str], ...] = ()  # (actor, expected) where the rule differs
    body: str = "{}"  # an API body; one that passes the operation's schema reaches its checks

    def expected(self, actor: str) -> str:
        return dict(self.overrides).get(actor, RULES[self.rule][actor])


POST = "post"
C, IN, S = ("client",), ("client", "intake"), ("client", "session")

WEB: dict[str, Entry] = {
    "health": Entry("public"),
    "ready": Entry("public"),
    "login": Entry("public"),
    # signing out sends everyone to the sign-in page
    "logout": Entry("public", method=POST, overrides=tuple((a, "sign-in") for a in ACTORS)),
    "dashboard": Entry("therapist"),
    "client_new": Entry("therapist"),
    "needs_attention": Entry("therapist"),
    "client_detail": Entry("clinic", C),
    "client_edit": Entry("clinic", C),
    "intake_new": Entry("clinic", C),
    "intake_import": Entry("clinic", C),
    "intake_detail": Entry("clinic", IN),
    "clearance_add": Entry("clinic", IN, POST),
    "intake_reassess": Entry("clinic", IN, POST),
    "session_new": Entry("clinic", C),
    "session_check": Entry("clinic", C, POST),
    "review_new": Entry("clinic", C, POST),
    "session_detail": Entry("clinic", S),
    "session_edit": Entry("clinic", S),
    "session_void": Entry("clinic", S, POST),
    "session_sign": Entry("clinic", S, POST),
    "session_amend": Entry("clinic", S, POST),
    "alert_acknowledge": Entry("clinic", ("client", "alert"), POST),
    "progress": Entry("clinic", C),
    "measurement_new": Entry("clinic", C),
    "referral_letter": Entry("clinic", C),
    "link_create": Entry("clinic", C, POST),
    "client_export": Entry("clinic", C),
    "sessions_csv": Entry("clinic", C),
    "client_fhir": Entry("clinic", C),
    "progress_report_pdf": Entry("clinic", C),
    "referral_letter_pdf": Entry("clinic", C),
    "outcomes_csv": Entry("admin"),
    "audit_log": Entry("admin"),
    "client_erase": Entry("clinic_admin", C, POST),  # an empty confirmation erases nothing
    # the client portal: a one-time link, or the session it opened
    "portal_intake": Entry("public", ("intake_link",)),
    "portal_checkin": Entry("public", ("checkin_link",)),
    "portal_result": Entry("public", overrides=tuple((a, "404") for a in ACTORS)),
    "self_check": Entry("public"),
    "self_check_send": Entry("public", method=POST),
    "learn": Entry("public"),
    "api_tokens": Entry("therapist"),
    "api_token_revoke": Entry("own", ("api_token",), POST),
    # two-factor sign-in (the gate lets a verified session through)
    "two_factor_code": Entry("signed_in"),
    "two_factor": Entry("therapist"),
    # a therapist without an authenticator is asked to sign in again before setting one up
    "two_factor_enrol": Entry("therapist", overrides=(("therapist", "sign-in"),)),
    "two_factor_recovery_codes": Entry("therapist", method=POST),
    "two_factor_rule": Entry("admin", method=POST),
    "two_factor_reset": Entry("clinic_admin", ("member",), POST),
    # the staff (issue 12, point 2)
    "staff": Entry("admin"),
    "staff_deactivate": Entry("clinic_admin", ("member",), POST),
    "staff_reactivate": Entry("clinic_admin", ("member",), POST),
    "staff_role": Entry("clinic_admin", ("member",), POST),
    "staff_invitation_cancel": Entry("clinic_admin", ("invitation",), POST),
    "staff_join": Entry("public", ("join_link",)),
    "password_change": Entry("signed_in"),
    # what letters print (issue 15, point 4)
    "clinic_details": Entry("admin"),
    "profile": Entry("therapist"),
    "password_reset": Entry("public"),
    "password_reset_done": Entry("public"),
    "password_reset_confirm": Entry("public", ("uid", "reset_token")),
}

# The API: a token of each actor (none for anonymous); 401 where the web says "sign-in".
API: dict[str, Entry] = {
    "api:openapi-json": Entry("public"),
    "api:openapi-view": Entry("public"),
    "api:api-root": Entry("public", overrides=tuple((a, "404") for a in ACTORS)),
    "api:assess": Entry("therapist", method=POST),
    "api:progress": Entry("therapist", method=POST),
    "api:token": Entry("therapist"),
    "api:fhir_questionnaire": Entry("therapist"),
    "api:clients": Entry("therapist"),
    "api:client_create": Entry("therapist", method=POST),
    "api:client_detail": Entry("clinic", C),
    "api:client_update": Entry("clinic", C, "patch"),
    "api:client_progress_view": Entry("clinic", C),
    # a body the schema takes: the access check is reached (the admin's 422: a wrong name)
    "api:client_erase": Entry("clinic_admin", C, POST, body='{"confirm_name": "Not Her Name"}'),
    "api:intakes": Entry("clinic", C),
    "api:intake_create": Entry("clinic", C, POST),
    "api:intake_detail": Entry("clinic", IN),
    "api:sessions": Entry("clinic", C),
    "api:session_create": Entry("clinic", C, POST),
    "api:session_detail": Entry("clinic", S),
    "api:session_sign": Entry("clinic", S, POST),
    "api:session_amend": Entry("clinic", S, POST),
    "api:checkins": Entry("clinic", C),
    "api:checkin_create": Entry("clinic", C, POST),
    "api:checkin_detail": Entry("clinic", ("client", "checkin")),
    "api:clinic_alerts": Entry("clinic", C),
    "api:clinic_alert_acknowledge": Entry("clinic", ("client", "alert"), POST),
    "api:reviews": Entry("clinic", C),
    "api:review_create": Entry("clinic", C, POST),
    "api:client_export": Entry("clinic", C),
    "api:sessions_csv": Entry("clinic", C),
    "api:outcomes_csv": Entry("admin"),
    "api:progress_report_pdf": Entry("clinic", C),
    "api:referral_letter_pdf": Entry("clinic", C),
    "api:client_fhir": Entry("clinic", C),
    "api:fhir_import": Entry("clinic", C, POST),
}


def resolver_url_names() -> set[str]:
    """Every named URL the site has, as `reverse` spells it (with its namespace)."""

    def walk(patterns: Any, namespace: str) -> Any:
        for p in patterns:
            if isinstance(p, URLResolver):
                inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
                yield from walk(p.url_patterns, inner)
            else:
                yield f"{namespace}{p.name}"

    return set(walk(get_resolver().url_patterns, ""))


def test_every_url_of_the_resolver_has_an_entry() -> None:
    names = resolver_url_names()
    assert "None" not in {n.rpartition(":")[2] for n in names}, "a URL without a name"
    assert names - set(WEB) - set(API) == set(), "URLs without an entry in WEB or API"
    assert (set(WEB) | set(API)) - names == set(), "entries of URLs that no longer exist"


@dataclass
class Objects:
    """What the URLs take, made once per test in the admin's clinic."""

    client: Any
    intake: Any
    session: Any
    checkin: Any
    alert: Any
    member: Any  # a therapist of the clinic the admin may deactivate, reset, promote
    invitation: Any
    join_link: str
    intake_link: str
    checkin_link: str
    api_token: Any
    uid: str = "MQ"
    reset_token: str = "not-a-token"


def _objects(world: World) -> Objects:
    from backcare.api.tokens import create_token
    from backcare.clinic import actions
    from backcare.clinic.models import ClinicAlert
    from backcare.staff.actions import invite

    clinic = world.therapist.therapist.clinic
    checkin = actions.record_checkin(
        by=world.therapist, client=world.client, when=world.session.date, pain=5,
        red_flags=["saddle_numbness"],
    )  # fmt: skip
    invitation, join_link = invite(by=world.therapist, email="new@example.org", display_name="New")
    _, intake_link = actions.create_link(by=world.therapist, client=world.client, purpose="intake")
    _, checkin_link = actions.create_link(
        by=world.therapist, client=world.client, purpose="checkin"
    )
    token, _ = create_token(by=world.therapist, name="its own", can_write=True)
    return Objects(
        client=world.client,
        intake=world.intake,
        session=world.session,
        checkin=checkin,
        alert=ClinicAlert.objects.filter(client=world.client).first(),
        member=make_therapist("mia", clinic).therapist,
        invitation=invitation,
        join_link=join_link,
        intake_link=intake_link,
        checkin_link=checkin_link,
        api_token=token,
    )


def _actors(world: World) -> dict[str, Any]:
    """Each actor's user (None: anonymous), the deactivated one signed in before it was."""
    from django.contrib.auth.models import User

    clinic = world.therapist.therapist.clinic
    deactivated = make_therapist("dora", clinic)
    return {
        "anonymous": None,
        "deactivated": deactivated,
        "outsider": world.outsider,
        "other_admin": world.colleague,
        "therapist": make_therapist("tess", clinic),
        "admin": world.therapist,
        "_deactivate": lambda: User.objects.filter(pk=deactivated.pk).update(is_active=False),
    }


def _arg(objects: Objects, name: str) -> Any:
    value = getattr(objects, name)
    return value if isinstance(value, str) else value.pk


def _outcome(response: Any, api: bool) -> str:
    status = response.status_code
    assert status < 500, f"a server error ({status})"
    assert status != 405, "the entry's method is not the URL's"
    if status == 404:
        return "404"
    if api and status == 401:
        return "sign-in"
    if status in (301, 302) and urlparse(response["Location"]).path == reverse("login"):
        return "sign-in"
    assert status not in (401, 403), f"{status}: refusals here are 404 or a sign-in"
    if api and status == 422:
        return "422"
    return "ok"


@pytest.mark.parametrize("name", sorted(WEB))
def test_every_web_url_for_every_actor(world: World, name: str) -> None:
    entry = WEB[name]
    objects = _objects(world)
    actors = _actors(world)
    browsers = {a: browser_for(actors[a]) for a in ACTORS}
    actors["_deactivate"]()  # after signing in: the session must not survive it
    url = reverse(name, args=[_arg(objects, a) for a in entry.args])
    got = {}
    for actor in ACTORS:
        response = getattr(browsers[actor], entry.method)(url)
        got[actor] = _outcome(response, api=False)
    assert got == {a: entry.expected(a) for a in ACTORS}, url


@pytest.mark.parametrize("name", sorted(API))
def test_every_api_operation_for_every_actor(world: World, name: str) -> None:
    from support.api import token_for

    entry = API[name]
    objects = _objects(world)
    actors = _actors(world)
    tokens = {a: None if u is None else token_for(u) for a, u in actors.items() if a in ACTORS}
    actors["_deactivate"]()
    url = reverse(name, args=[_arg(objects, a) for a in entry.args])
    got = {}
    for actor in ACTORS:
        token = tokens[actor]
        headers = {} if token is None else {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        data = None if entry.method == "get" else entry.body
        response = getattr(Browser(), entry.method)(
            url, data=data, content_type="application/json", **headers
        )
        got[actor] = _outcome(response, api=True)
    assert got == {a: _api_expected(entry, a, got[a]) for a in ACTORS}, url


def _api_expected(entry: Entry, actor: str, got: str) -> str:
    """The web's expectation in the API's terms: a token of an account without a clinic is not
    in force (401, like none), and an empty body may be refused (422, the same for every id)
    before the operation looks for the record: no more is learnt than from a 404."""
    expected = entry.expected(actor)
    if actor == "outsider" and entry.rule != "public":
        expected = "sign-in"
    if got == "422" and entry.method != "get" and expected == "ok":
        return "422"  # reached: the operation (or its schema) refused the body
    if got == "422" and entry.method != "get" and entry.body == "{}" and expected == "404":
        return "422"
    return expected
