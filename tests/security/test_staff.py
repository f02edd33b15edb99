"""The clinic's staff (issue 12, point 2): an admin invites a therapist by a one-time link,
deactivates and reactivates accounts and sets roles; everyone changes their own password or
resets a forgotten one by email. Every change is audited, a deactivated account's sessions and
tokens end at once, only an admin erases a client, and Django's password validators refuse a
weak password on every path, the management commands included."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY, authenticate
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client as Browser
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from backcare.accounts.models import Therapist
from backcare.api.models import ApiToken
from backcare.audit.models import AuditEvent
from backcare.clinic.actions import ActionError
from backcare.staff import actions
from backcare.staff.models import Invitation
from support.api import call, token_for
from support.world import World, browser_for, make_therapist

WEAK = ["password123", "the-username"]  # common; equal to the username (filled in per path)


def weak_password(kind: str, username: str) -> str:
    return username if kind == "the-username" else kind


@pytest.fixture
def tess(world: World) -> User:
    """A therapist (not an admin) of the admin alice's clinic."""
    return make_therapist("tess", world.therapist.therapist.clinic)


def _invite(world: World, capture: Any, email: str = "nia@example.org") -> tuple[str, str]:
    """The admin invites Nia through the staff page: the page's link, and the emailed one."""
    mail.outbox.clear()
    with capture(execute=True):
        page = browser_for(world.therapist).post(
            reverse("staff"), {"display_name": "Nia Park", "email": email}
        )
    assert page.status_code == 200
    shown = re.search(r'value="(http[^"]+/join/[^"]+/)"', page.content.decode())
    assert shown is not None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [email]
    emailed = re.search(r"(http\S+/join/\S+/)", mail.outbox[0].body)
    assert emailed is not None
    return shown.group(1), emailed.group(1)


def _path(url: str) -> str:
    return url[url.index("/join/") :]


def _join(link: str, username: str = "nia", password: str = "a-long-test-password") -> Any:
    return Browser().post(
        _path(link), {"username": username, "password1": password, "password2": password}
    )


# -- invitations -------------------------------------------------------------------------------


def test_an_invitation_link_makes_one_therapist_account_once(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    shown, emailed = _invite(world, django_capture_on_commit_callbacks)
    assert shown == emailed
    assert Invitation.objects.get().token_hash not in shown  # only the hash is kept
    assert Browser().get(_path(shown)).status_code == 200
    answer = _join(shown)
    assert answer.status_code == 302 and answer["Location"] == reverse("login")
    nia = Therapist.objects.select_related("user", "clinic").get(user__username="nia")
    assert nia.clinic == world.therapist.therapist.clinic and not nia.is_clinic_admin
    assert nia.display_name == "Nia Park" and nia.user.email == "nia@example.org"
    assert nia.user.check_password("a-long-test-password")
    joined = AuditEvent.objects.get(action="staff.join")
    assert joined.actor == nia.user and joined.clinic == nia.clinic
    assert AuditEvent.objects.filter(action="staff.invite", actor=world.therapist).count() == 1
    # Single use: the link is gone, and a second account cannot be made with it.
    assert Browser().get(_path(shown)).status_code == 404
    assert _join(shown, username="mallory").status_code == 404
    assert not User.objects.filter(username="mallory").exists()


def test_an_invitation_expires_and_can_be_withdrawn(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    link, _ = _invite(world, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    assert invitation.expires_at - timezone.now() <= timedelta(hours=72)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert Browser().get(_path(link)).status_code == 404
    assert _join(link).status_code == 404
    with pytest.raises(ActionError):  # the action refuses it too, whatever the view does
        actions.join(invitation=invitation, username="nia", password="a-long-test-password")
    assert not User.objects.filter(username="nia").exists()
    link, _ = _invite(world, django_capture_on_commit_callbacks, email="sam@example.org")
    withdrawn = Invitation.objects.get(email="sam@example.org")
    browser_for(world.therapist).post(reverse("staff_invitation_cancel", args=[withdrawn.pk]))
    assert _join(link, username="sam").status_code == 404
    assert AuditEvent.objects.filter(action="staff.invite_cancel").count() == 1


def test_an_invitation_cannot_take_a_username_in_use(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    link, _ = _invite(world, django_capture_on_commit_callbacks)
    answer = _join(link, username="ALICE")
    assert answer.status_code == 422 and "taken" in answer.content.decode()
    assert Invitation.objects.get().used_at is None  # still usable with another name
    assert _join(link, username="nia").status_code == 302


# -- passwords: Django's validators on every path -------------------------------------------------


@pytest.mark.parametrize("kind", WEAK)
def test_the_invitation_refuses_a_weak_password(
    world: World, django_capture_on_commit_callbacks: Any, kind: str
) -> None:
    link, _ = _invite(world, django_capture_on_commit_callbacks)
    answer = _join(link, password=weak_password(kind, "nia-park"), username="nia-park")
    assert answer.status_code == 422
    assert not User.objects.filter(username="nia-park").exists()
    assert Invitation.objects.get().used_at is None


@pytest.mark.parametrize("kind", WEAK)
def test_changing_a_password_refuses_a_weak_one(world: World, tess: User, kind: str) -> None:
    new = weak_password(kind, "tess")
    answer = browser_for(tess).post(
        reverse("password_change"),
        {"old_password": "a-long-test-password", "new_password1": new, "new_password2": new},
    )
    assert answer.status_code == 200 and "error" in answer.content.decode()
    tess.refresh_from_db()
    assert tess.check_password("a-long-test-password")
    assert not AuditEvent.objects.filter(action="account.password_change").exists()


def _reset_link(email: str, capture: Any) -> str:
    with capture(execute=True):
        assert Browser().post(reverse("password_reset"), {"email": email}).status_code == 302
    assert len(mail.outbox) == 1
    found = re.search(r"http\S+(/password/reset/\S+/\S+/)", mail.outbox[0].body)
    assert found is not None
    return found.group(1)


def _set_by_link(link: str, password: str) -> Any:
    browser = Browser()
    form = browser.get(link)  # Django moves the token into the session, then redirects
    assert form.status_code == 302
    return browser.post(form["Location"], {"new_password1": password, "new_password2": password})


@pytest.mark.parametrize("kind", WEAK)
def test_resetting_a_password_refuses_a_weak_one(
    world: World, tess: User, django_capture_on_commit_callbacks: Any, kind: str
) -> None:
    User.objects.filter(pk=tess.pk).update(email="tess@example.org")
    link = _reset_link("tess@example.org", django_capture_on_commit_callbacks)
    answer = _set_by_link(link, weak_password(kind, "tess"))
    assert answer.status_code == 200 and "error" in answer.content.decode()
    tess.refresh_from_db()
    assert tess.check_password("a-long-test-password")


@pytest.mark.parametrize("kind", WEAK)
def test_create_clinic_refuses_a_weak_password(
    db: Any, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.setenv("BACKCARE_NEW_PASSWORD", weak_password(kind, "amara"))
    with pytest.raises(CommandError):
        call_command("create_clinic", "Riverside", "amara", "Amara Osei")
    assert not User.objects.filter(username="amara").exists()


@pytest.mark.parametrize("kind", WEAK)
def test_djangos_createsuperuser_refuses_a_weak_password(
    db: Any, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """Django's checks none without a terminal (--noinput): backcare's own does."""
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", weak_password(kind, "root-user"))
    with pytest.raises(CommandError, match="password"):
        call_command(
            "createsuperuser", "--noinput", "--username", "root-user", "--email", "r@example.org"
        )
    assert not User.objects.filter(username="root-user").exists()


@pytest.mark.parametrize("kind", WEAK)
def test_the_actions_refuse_a_weak_password(world: World, tess: User, kind: str) -> None:
    for change in (actions.change_password, actions.reset_password):
        with pytest.raises(ActionError) as refused:
            change(user=tess, password=weak_password(kind, "tess"))
        assert "password" in refused.value.errors
    tess.set_password(weak_password(kind, "tess"))
    with pytest.raises(ValidationError):  # and saving a user with one directly
        tess.save()
    tess.refresh_from_db()
    assert tess.check_password("a-long-test-password")


def test_a_display_name_counts_against_the_password(world: World, tess: User) -> None:
    Therapist.objects.filter(user=tess).update(display_name="Tessaloniki Brightwater")
    tess = User.objects.select_related("therapist").get(pk=tess.pk)
    with pytest.raises(ActionError):
        actions.change_password(user=tess, password="Tessaloniki Brightwater")


# -- changing and resetting a password -----------------------------------------------------------


def test_changing_a_password_keeps_this_session_and_ends_the_others(
    world: World, tess: User
) -> None:
    here, elsewhere = browser_for(tess), browser_for(tess)
    new = "a-new-and-long-password"
    answer = here.post(
        reverse("password_change"),
        {"old_password": "a-long-test-password", "new_password1": new, "new_password2": new},
    )
    assert answer.status_code == 302 and answer["Location"] == reverse("dashboard")
    tess.refresh_from_db()
    assert tess.check_password(new)
    assert here.get(reverse("dashboard")).status_code == 200
    gone = elsewhere.get(reverse("dashboard"))
    assert gone.status_code == 302 and "sign-in" in gone["Location"]
    event = AuditEvent.objects.get(action="account.password_change")
    assert event.actor == tess and event.clinic == tess.therapist.clinic


def test_a_reset_link_sets_a_password_once_and_signs_nobody_in(
    world: World, tess: User, django_capture_on_commit_callbacks: Any
) -> None:
    User.objects.filter(pk=tess.pk).update(email="tess@example.org")
    link = _reset_link("tess@example.org", django_capture_on_commit_callbacks)
    assert mail.outbox[0].body.count("http://127.0.0.1:8000/password/reset/") == 1
    new = "a-new-and-long-password"
    answer = _set_by_link(link, new)
    assert answer.status_code == 302 and answer["Location"] == reverse("login")
    tess.refresh_from_db()
    assert tess.check_password(new)
    assert AuditEvent.objects.get(action="account.password_reset").actor == tess
    again = Browser().get(link)  # used: Django's token no longer matches the password
    assert again.status_code == 200 and "has been used" in again.content.decode()
    assert Browser().get(reverse("dashboard")).status_code == 302


def test_a_reset_is_not_sent_to_a_deactivated_account_nor_an_unknown_address(
    world: World, tess: User, django_capture_on_commit_callbacks: Any
) -> None:
    User.objects.filter(pk=tess.pk).update(email="tess@example.org", is_active=False)
    for email in ("tess@example.org", "nobody@example.org"):
        with django_capture_on_commit_callbacks(execute=True):
            answer = Browser().post(reverse("password_reset"), {"email": email})
        assert answer.status_code == 302 and answer["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


# -- deactivation and reactivation ---------------------------------------------------------------


def _sessions_of(user: User) -> int:
    return sum(s.get_decoded().get(SESSION_KEY) == str(user.pk) for s in Session.objects.all())


def test_deactivating_ends_sessions_and_tokens_at_once(world: World, tess: User) -> None:
    signed_in = browser_for(tess)
    assert signed_in.get(reverse("dashboard")).status_code == 200
    token = token_for(tess, write=True)
    assert _sessions_of(tess) == 1
    staff = Therapist.objects.get(user=tess)
    answer = browser_for(world.therapist).post(reverse("staff_deactivate", args=[staff.pk]))
    assert answer.status_code == 302
    tess.refresh_from_db()
    assert not tess.is_active
    assert _sessions_of(tess) == 0  # deleted from the session store
    gone = signed_in.get(reverse("dashboard"))
    assert gone.status_code == 302 and "sign-in" in gone["Location"]
    assert call("get", "/clients", token).status_code == 401
    assert call("post", "/clients", token, {"full_name": "Late Write"}).status_code == 401
    assert ApiToken.objects.get(user=tess).revoked_at is not None
    event = AuditEvent.objects.get(action="staff.deactivate")
    assert event.actor == world.therapist and event.object_id == str(staff.pk)
    assert event.detail == {"sessions_ended": 1, "tokens_revoked": 1}
    request = RequestFactory().post("/sign-in/", REMOTE_ADDR="127.0.0.9")
    assert authenticate(request, username="tess", password="a-long-test-password") is None


def test_reactivating_lets_them_sign_in_but_keeps_old_tokens_revoked(
    world: World, tess: User
) -> None:
    token = token_for(tess, write=False)
    staff = Therapist.objects.get(user=tess)
    admin = browser_for(world.therapist)
    admin.post(reverse("staff_deactivate", args=[staff.pk]))
    admin.post(reverse("staff_reactivate", args=[staff.pk]))
    tess.refresh_from_db()
    assert tess.is_active
    request = RequestFactory().post("/sign-in/", REMOTE_ADDR="127.0.0.9")
    assert authenticate(request, username="tess", password="a-long-test-password") == tess
    assert call("get", "/clients", token).status_code == 401
    assert AuditEvent.objects.filter(action="staff.reactivate", actor=world.therapist).exists()


def test_the_clinic_keeps_an_active_admin(world: World, tess: User) -> None:
    admin = browser_for(world.therapist)
    own = Therapist.objects.get(user=world.therapist)
    admin.post(reverse("staff_deactivate", args=[own.pk]))  # oneself: refused
    admin.post(reverse("staff_role", args=[own.pk]), {"role": "therapist"})  # the last admin
    world.therapist.refresh_from_db()
    own.refresh_from_db()
    assert world.therapist.is_active and own.is_clinic_admin
    staff = Therapist.objects.get(user=tess)
    admin.post(reverse("staff_role", args=[staff.pk]), {"role": "admin"})
    staff.refresh_from_db()
    assert staff.is_clinic_admin
    event = AuditEvent.objects.get(action="staff.role")
    assert event.detail == {"role": "admin"}
    # With a second admin, the first may step down: then the second is the last one.
    admin.post(reverse("staff_role", args=[own.pk]), {"role": "therapist"})
    own.refresh_from_db()
    assert not own.is_clinic_admin
    tess = User.objects.get(pk=tess.pk)  # her rights as they are now
    with pytest.raises(ActionError):
        actions.set_role(by=tess, therapist=staff, admin_role=False)
    with pytest.raises(ActionError):
        actions.deactivate(by=tess, therapist=staff)
    assert AuditEvent.objects.filter(action="staff.role").count() == 2


def test_a_therapist_has_neither_the_staff_page_nor_the_admins_powers(
    world: World, tess: User
) -> None:
    browser = browser_for(tess)
    staff = Therapist.objects.get(user=world.therapist)
    before = AuditEvent.objects.count()
    assert browser.get(reverse("staff")).status_code == 404
    for name in ("staff_deactivate", "staff_reactivate", "staff_role"):
        assert (
            browser.post(reverse(name, args=[staff.pk]), {"role": "therapist"}).status_code == 404
        )
    assert browser.get(reverse("outcomes_csv")).status_code == 404
    assert browser.get(reverse("audit_log")).status_code == 404
    world.therapist.refresh_from_db()
    assert world.therapist.is_active and Therapist.objects.get(pk=staff.pk).is_clinic_admin
    assert AuditEvent.objects.count() == before
    # Nor are they offered: the dashboard's links are the admin's only.
    dashboard = browser.get(reverse("dashboard")).content.decode()
    assert reverse("outcomes_csv") not in dashboard and reverse("staff") not in dashboard
    admins = browser_for(world.therapist).get(reverse("dashboard")).content.decode()
    assert reverse("outcomes_csv") in admins and reverse("staff") in admins


def test_a_therapist_cannot_erase_a_client_by_page_or_api(world: World, tess: User) -> None:
    url = reverse("client_erase", args=[world.client.pk])
    assert browser_for(tess).post(url, {"confirm_name": "Carol Client"}).status_code == 404
    token = token_for(tess, write=True)
    answer = call(
        "post", f"/clients/{world.client.pk}/erase", token, {"confirm_name": "Carol Client"}
    )
    assert answer.status_code == 404
    world.client.refresh_from_db()
    assert world.client.full_name == "Carol Client" and world.client.intakes.exists()
    assert not AuditEvent.objects.filter(action="client.erase").exists()
    page = browser_for(tess).get(reverse("client_detail", args=[world.client.pk]))
    assert url not in page.content.decode()  # no erase form offered
    # The admin can.
    admin = browser_for(world.therapist)
    assert admin.post(url, {"confirm_name": "Carol Client"}).status_code == 302
    world.client.refresh_from_db()
    assert world.client.full_name != "Carol Client"


def test_another_clinics_admin_cannot_touch_this_clinics_staff(world: World, tess: User) -> None:
    staff = Therapist.objects.get(user=tess)
    outsider_admin = browser_for(world.colleague)
    for name in ("staff_deactivate", "staff_reactivate", "staff_role"):
        response = outsider_admin.post(reverse(name, args=[staff.pk]), {"role": "admin"})
        assert response.status_code == 404
    page = outsider_admin.get(reverse("staff")).content.decode()
    assert "Tess" not in page and "Alice" not in page
    tess.refresh_from_db()
    staff.refresh_from_db()
    assert tess.is_active and not staff.is_clinic_admin


def test_the_staff_page_lists_the_clinic(world: World, tess: User) -> None:
    page = browser_for(world.therapist).get(reverse("staff")).content.decode()
    staff = Therapist.objects.get(user=tess)
    row = page[page.index(f'data-therapist="{staff.pk}"') :].split("</tr>")[0]
    assert "Tess" in row and "therapist" in row and "active" in row
    assert reverse("staff_deactivate", args=[staff.pk]) in row
    assert "Bea" not in page  # the other clinic's admin
