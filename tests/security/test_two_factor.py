"""Issue 12 points 1 and 4: two-factor sign-in (required for clinic admins, per clinic for
therapists), its enrolment, recovery codes and an admin's reset; and signing in and out in the
audit log. Every step goes through the real pages, as a person signs in."""

from __future__ import annotations

import datetime as dt
import importlib
import re
import time
from io import StringIO
from typing import Any

from django.contrib.auth.models import User
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from backcare.accounts.models import Clinic
from backcare.accounts.two_factor import recovery_code_digest
from backcare.audit.models import AuditEvent
from backcare.clinic.models import Client
from backcare.clinic.sign_ins import PASSWORD_AT
from backcare.clinic.two_factor_views import PENDING_KEY
from support.api import call, token_for
from support.two_factor import code_now, give_authenticator
from support.world import World, browser_for, make_therapist

PASSWORD = "a-long-test-password"  # support/world.py's


def password_step(username: str, address: str = "192.0.2.10", **extra: str) -> Browser:
    """A browser after the first step: the right password given on the sign-in page."""
    browser = Browser(REMOTE_ADDR=address)
    response = browser.post(reverse("login"), {"username": username, "password": PASSWORD, **extra})
    assert response.status_code == 302, response.content[:300]
    return browser


def give_code(browser: Browser, code: str, next_url: str = "") -> Any:
    return browser.post(reverse("two_factor_code"), {"code": code, "next": next_url})


def unthrottle(user: User) -> None:
    """django-otp waits 1, 2, 4... seconds after each wrong code: a test moves the clock of the
    last failure back instead of sleeping."""
    past = timezone.now() - dt.timedelta(hours=1)
    TOTPDevice.objects.filter(user=user).update(throttling_failure_timestamp=past)
    StaticDevice.objects.filter(user=user).update(throttling_failure_timestamp=past)


def actions_of(**where: Any) -> list[str]:
    return list(AuditEvent.objects.filter(**where).order_by("id").values_list("action", flat=True))


# -- the rule: admins must; therapists when the clinic says so ------------------------------------


def test_an_admin_without_two_factor_cannot_reach_the_dashboard(world: World) -> None:
    browser = password_step("alice")
    page = browser.get(reverse("dashboard"))
    assert page.status_code == 302
    assert page["Location"] == reverse("two_factor_enrol") + "?next=%2F"
    # no page of the app is reachable, whatever its address; signing out is
    client = world.client.pk
    for url in (
        reverse("client_detail", args=[client]),
        reverse("client_new"),
        reverse("audit_log"),
        reverse("api_tokens"),
        reverse("two_factor"),
        reverse("progress", args=[client]),
    ):
        response = browser.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("two_factor_enrol")), url
    refused = browser.post(reverse("client_new"), {"full_name": "Eve Sneaky"})
    assert refused.status_code == 302
    assert not Client.objects.filter(full_name="Eve Sneaky").exists()
    assert browser.post(reverse("logout")).status_code == 302


def test_an_admin_with_an_authenticator_gives_a_code_before_any_page(world: World) -> None:
    give_authenticator(world.therapist)
    browser = password_step("alice")
    page = browser.get(reverse("client_detail", args=[world.client.pk]))
    wanted = reverse("client_detail", args=[world.client.pk])
    assert page.status_code == 302
    assert page["Location"] == reverse("two_factor_code") + f"?next={wanted.replace('/', '%2F')}"
    form = browser.get(page["Location"])
    assert form.status_code == 200 and 'name="code"' in form.content.decode()
    assert 'href="/audit/"' not in form.content.decode()  # no menu of pages out of reach
    signed_in = give_code(browser, code_now(), next_url=wanted)
    assert signed_in.status_code == 302 and signed_in["Location"] == wanted
    assert browser.get(wanted).status_code == 200
    assert browser.get(reverse("dashboard")).status_code == 200


def test_a_therapist_signs_in_with_a_password_until_the_clinic_asks_for_more(
    world: World,
) -> None:
    clinic = world.therapist.therapist.clinic
    tom = make_therapist("tom", clinic)
    browser = password_step("tom")
    assert browser.get(reverse("dashboard")).status_code == 200
    # the admin switches the clinic's rule on
    admin = browser_for(world.therapist)
    assert admin.post(reverse("two_factor_rule"), {"required": "on"}).status_code == 302
    assert Clinic.objects.get(pk=clinic.pk).therapists_need_two_factor
    rule_row = AuditEvent.objects.get(action="clinic.two_factor_rule")
    assert rule_row.actor == world.therapist and rule_row.detail == {"required": True}
    # tom's open session now reaches nothing but setting it up
    page = browser.get(reverse("dashboard"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("two_factor_enrol"))
    # another clinic is not affected, and switching it off again frees tom
    assert not Clinic.objects.get(pk=world.colleague.therapist.clinic_id).therapists_need_two_factor
    admin.post(reverse("two_factor_rule"), {})
    assert browser.get(reverse("dashboard")).status_code == 200
    # a therapist cannot change the rule
    assert browser.post(reverse("two_factor_rule"), {"required": "on"}).status_code == 404
    assert not Clinic.objects.get(pk=clinic.pk).therapists_need_two_factor
    assert tom.therapist.clinic == clinic


def test_a_therapist_who_set_it_up_gives_a_code_although_the_clinic_does_not_ask(
    world: World,
) -> None:
    make_therapist("tom", world.therapist.therapist.clinic)
    give_authenticator(User.objects.get(username="tom"))
    browser = password_step("tom")
    page = browser.get(reverse("dashboard"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("two_factor_code"))


# -- enrolment ----------------------------------------------------------------------------------


def test_enrolment_shows_the_secret_and_a_qr_code_and_needs_a_code_from_it(world: World) -> None:
    browser = password_step("alice")
    page = browser.get(reverse("two_factor_enrol"))
    body = page.content.decode()
    key = browser.session[PENDING_KEY]
    from base64 import b32decode

    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', body)
    assert secret is not None
    assert b32decode(secret.group(1).replace(" ", "")).hex() == key
    assert re.search(r'<img class="qr" src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"', body)
    assert "https://" not in body.split("<main", 1)[1]  # no outside QR service
    # a wrong code sets up nothing
    wrong = browser.post(reverse("two_factor_enrol"), {"code": "000000"})
    assert wrong.status_code == 400 and "not right" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=world.therapist).exists()
    # the app's code sets it up, shows ten recovery codes once, and this session is verified
    setup_code = code_now(key)
    done = browser.post(reverse("two_factor_enrol"), {"code": setup_code})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>", done.content.decode())
    assert len(set(codes)) == 10
    device = TOTPDevice.objects.get(user=world.therapist)
    assert device.confirmed and device.key == key
    # only the codes' digests are stored (keyed: a copy of the database does not give them)
    stored = {t.token for t in StaticToken.objects.filter(device__user=world.therapist)}
    assert stored == {recovery_code_digest(c.replace("-", "")) for c in codes}
    assert not stored & {c.replace("-", "") for c in codes}
    assert PENDING_KEY not in browser.session
    assert browser.get(reverse("dashboard")).status_code == 200
    row = AuditEvent.objects.get(action="mfa.enrol")
    assert row.actor == world.therapist and row.clinic == world.therapist.therapist.clinic
    # the codes are not shown again, and the code used to set up cannot sign in again
    again = browser.get(reverse("two_factor_enrol"))
    assert again.status_code == 302 and again["Location"] == reverse("two_factor")
    assert codes[0] not in browser.get(reverse("two_factor")).content.decode()
    other = password_step("alice", address="192.0.2.11")
    assert give_code(other, setup_code).status_code == 400


def test_enrolment_needs_a_recent_password(world: World) -> None:
    browser = password_step("alice")
    session = browser.session
    session[PASSWORD_AT] = int(time.time()) - 3600  # an hour-old session
    session.save()
    page = browser.get(reverse("two_factor_enrol"))
    assert page.status_code == 302
    assert page["Location"] == reverse("login") + "?next=" + reverse("two_factor_enrol")
    assert browser.get(reverse("dashboard"))["Location"].startswith(reverse("login"))
    assert not TOTPDevice.objects.filter(user=world.therapist).exists()


# -- codes: right, wrong, reused, recovery ------------------------------------------------------


def test_a_wrong_code_is_refused_and_audited(world: World) -> None:
    give_authenticator(world.therapist)
    browser = password_step("alice", address="198.51.100.4")
    right = code_now()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    refused = give_code(browser, wrong)
    assert refused.status_code == 400 and "not right" in refused.content.decode()
    assert browser.get(reverse("dashboard")).status_code == 302
    failed = AuditEvent.objects.get(action="mfa.fail")
    assert failed.actor == world.therapist and failed.detail["address"] == "198.51.100.4"
    assert failed.clinic == world.therapist.therapist.clinic
    # each wrong code makes the next try wait longer (django-otp: 1, 2, 4... seconds); after
    # a few (set here, rather than slept through), even the right code waits
    assert TOTPDevice.objects.get(user=world.therapist).throttling_failure_count == 1
    TOTPDevice.objects.filter(user=world.therapist).update(
        throttling_failure_count=6, throttling_failure_timestamp=timezone.now()
    )
    too_soon = give_code(browser, right)
    assert too_soon.status_code == 400 and "wait" in too_soon.content.decode()
    unthrottle(world.therapist)
    assert give_code(browser, right).status_code == 302
    assert browser.get(reverse("dashboard")).status_code == 200


def test_a_code_is_accepted_once(world: World) -> None:
    give_authenticator(world.therapist)
    code = code_now()
    first = password_step("alice")
    assert give_code(first, code).status_code == 302
    second = password_step("alice", address="192.0.2.99")  # someone who saw the code
    reused = give_code(second, code)
    assert reused.status_code == 400
    assert second.get(reverse("dashboard")).status_code == 302
    assert actions_of(actor=world.therapist, action__startswith="mfa.") == [
        "mfa.verify",
        "mfa.fail",
    ]


def test_a_recovery_code_signs_in_once(world: World) -> None:
    give_authenticator(world.therapist)
    device = StaticDevice.objects.create(user=world.therapist, name="recovery", confirmed=True)
    device.token_set.create(token=recovery_code_digest("abcd2345"))
    device.token_set.create(token=recovery_code_digest("efgh6723"))
    browser = password_step("alice")
    used = give_code(browser, "ABCD-2345")  # as printed, in capitals: the same code
    assert used.status_code == 302
    assert browser.get(reverse("dashboard")).status_code == 200
    left = list(device.token_set.values_list("token", flat=True))
    assert left == [recovery_code_digest("efgh6723")]
    row = AuditEvent.objects.get(action="mfa.recovery_code")
    assert row.actor == world.therapist and row.detail["codes_left"] == 1
    again = password_step("alice", address="192.0.2.12")
    assert give_code(again, "abcd-2345").status_code == 400


def test_what_is_stored_for_a_recovery_code_does_not_sign_in(world: World) -> None:
    """Someone with a copy of the database (a dump, a backup) has each code's digest, not the
    code: neither the digest nor any 8 characters of it is accepted, and the digest depends on
    the site's secret key."""
    give_authenticator(world.therapist)
    device = StaticDevice.objects.create(user=world.therapist, name="recovery", confirmed=True)
    stored = device.token_set.create(token=recovery_code_digest("abcd2345")).token
    assert len(stored) == 16 and recovery_code_digest("abcd2345", secret="x" * 50) != stored
    for typed in (stored, stored[:8], stored[8:]):
        unthrottle(world.therapist)
        browser = password_step("alice", address="192.0.2.44")
        assert give_code(browser, typed).status_code == 400
    assert device.token_set.count() == 1


def test_codes_made_before_the_secret_key_changed_work_through_a_fallback(
    world: World, settings: Any
) -> None:
    give_authenticator(world.therapist)
    device = StaticDevice.objects.create(user=world.therapist, name="recovery", confirmed=True)
    old_key = settings.SECRET_KEY
    device.token_set.create(token=recovery_code_digest("abcd2345"))
    settings.SECRET_KEY = "a-new-secret-key-" + "n" * 40
    assert give_code(password_step("alice"), "abcd-2345").status_code == 400  # no fallback
    unthrottle(world.therapist)
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert give_code(password_step("alice"), "abcd-2345").status_code == 302
    assert device.token_set.count() == 0


def test_new_recovery_codes_replace_the_old_ones(world: World) -> None:
    give_authenticator(world.therapist)
    device = StaticDevice.objects.create(user=world.therapist, name="recovery", confirmed=True)
    device.token_set.create(token=recovery_code_digest("abcd2345"))
    browser = browser_for(world.therapist)
    page = browser.post(reverse("two_factor_recovery_codes"))
    codes = re.findall(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>", page.content.decode())
    assert len(codes) == 10
    assert not StaticToken.objects.filter(token=recovery_code_digest("abcd2345")).exists()
    assert StaticToken.objects.filter(device__user=world.therapist).count() == 10
    assert AuditEvent.objects.filter(action="mfa.recovery_codes", actor=world.therapist).exists()


def test_the_code_page_goes_only_to_this_sites_pages(world: World) -> None:
    give_authenticator(world.therapist)
    browser = password_step("alice")
    response = give_code(browser, code_now(), next_url="https://evil.example/phish")
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    # nor back to a sign-in step, which would send on to itself
    looped = browser.get(reverse("two_factor_code"), {"next": reverse("two_factor_code")})
    assert looped.status_code == 302 and looped["Location"] == reverse("dashboard")


# -- an admin's reset ---------------------------------------------------------------------------


def test_an_admin_resets_a_colleagues_second_factor(world: World) -> None:
    clinic = world.therapist.therapist.clinic
    tom = make_therapist("tom", clinic)
    give_authenticator(tom)
    StaticDevice.objects.create(user=tom, name="recovery", confirmed=True)
    toms_session = password_step("tom")
    assert give_code(toms_session, code_now()).status_code == 302
    admin = browser_for(world.therapist)
    overview = admin.get(reverse("two_factor")).content.decode()
    assert f'data-therapist="{tom.therapist.pk}"' in overview
    response = admin.post(reverse("two_factor_reset", args=[tom.therapist.pk]))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=tom).exists()
    assert not StaticDevice.objects.filter(user=tom).exists()
    row = AuditEvent.objects.get(action="mfa.reset")
    assert row.actor == world.therapist and row.clinic == clinic
    assert (row.object_type, row.object_id) == ("User", str(tom.pk))
    # tom's open session is no longer verified: it signs in again before anything else
    assert toms_session.get(reverse("dashboard")).status_code == 200  # not required: password
    clinic.therapists_need_two_factor = True
    clinic.save()
    page = toms_session.get(reverse("dashboard"))
    assert page["Location"].startswith(reverse("two_factor_enrol"))


def test_a_reset_reaches_only_the_admins_own_clinic_and_not_themselves(world: World) -> None:
    give_authenticator(world.colleague)  # bea, admin of another clinic
    alice = browser_for(world.therapist)
    other = world.colleague.therapist.pk
    assert alice.post(reverse("two_factor_reset", args=[other])).status_code == 404
    assert TOTPDevice.objects.filter(user=world.colleague).exists()
    own = alice.post(reverse("two_factor_reset", args=[world.therapist.therapist.pk]))
    assert own.status_code == 302
    assert TOTPDevice.objects.filter(user=world.therapist).exists()
    # a therapist who is not an admin cannot reset anyone
    tom = make_therapist("tom", world.therapist.therapist.clinic)
    response = browser_for(tom).post(reverse("two_factor_reset", args=[world.therapist.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="mfa.reset").exists()
    assert browser_for(world.outsider).get(reverse("two_factor")).status_code == 404


# -- signing in and out in the audit log --------------------------------------------------------


def test_sign_in_and_out_are_audited_with_the_clinic_and_address(world: World) -> None:
    give_authenticator(world.therapist)
    browser = password_step("alice", address="203.0.113.20")
    give_code(browser, code_now())
    browser.post(reverse("logout"))
    mine = AuditEvent.objects.filter(actor=world.therapist, action__regex=r"^(auth|mfa)\.")
    rows = list(mine.order_by("id"))
    assert [r.action for r in rows] == ["auth.sign_in", "mfa.verify", "auth.sign_out"]
    clinic = world.therapist.therapist.clinic
    assert all(r.clinic == clinic and r.detail["address"] == "203.0.113.20" for r in rows)


def test_failed_sign_ins_and_the_lockout_are_audited(world: World) -> None:
    attacker = Browser(REMOTE_ADDR="198.51.100.66")
    for _ in range(5):
        attacker.post(reverse("login"), {"username": "alice", "password": "guess"})
    failed = AuditEvent.objects.filter(action="auth.sign_in_fail")
    assert failed.count() == 5
    row = failed.first()
    assert row is not None and row.actor is None
    assert row.clinic == world.therapist.therapist.clinic
    assert (row.object_type, row.object_id) == ("User", str(world.therapist.pk))
    assert row.actor_label == "unknown (signing in as Alice)"
    assert row.detail == {"address": "198.51.100.66"}  # never the password or username typed
    locked = AuditEvent.objects.filter(action="auth.lockout")
    assert locked.exists() and locked.first().clinic == world.therapist.therapist.clinic  # type: ignore[union-attr]
    # an unknown username: a row without a clinic, and without the name typed
    Browser(REMOTE_ADDR="198.51.100.67").post(
        reverse("login"), {"username": "no-such-person", "password": "guess"}
    )
    unknown = AuditEvent.objects.filter(action="auth.sign_in_fail", clinic=None).get()
    assert unknown.actor_label == "unknown (no such username)"
    assert "no-such-person" not in str(unknown.detail)


def test_api_tokens_are_not_asked_for_a_code(world: World) -> None:
    token = token_for(world.therapist)  # alice, an admin, has no authenticator
    response = call("get", "/clients", token)
    assert response.status_code == 200 and "Carol Client" in response.content.decode()


# -- the demo clinic ------------------------------------------------------------------------------


def test_the_demo_prints_how_its_admin_gives_her_second_factor(db: Any) -> None:
    from base64 import b32decode

    from django.core.management import call_command

    from backcare.clinic.management.commands.demo_clinic import DEMO_PASSWORD

    out = StringIO()
    call_command("demo_clinic", stdout=out)
    printed = out.getvalue()
    codes = re.findall(r"\b[a-z2-7]{4}-[a-z2-7]{4}\b", printed)
    secret = re.search(r"authenticator app, ([A-Z2-7 ]+),", printed)
    assert len(codes) == 10 and secret is not None
    # a printed recovery code signs amara in, once
    browser = password_step("amara", password=DEMO_PASSWORD)
    assert give_code(browser, codes[0]).status_code == 302
    assert browser.get(reverse("dashboard")).status_code == 200
    # the printed secret is her authenticator's (its code of the set-up period is used: the next)
    key = b32decode(secret.group(1).replace(" ", "")).hex()
    app = password_step("amara", address="192.0.2.30", password=DEMO_PASSWORD)
    assert give_code(app, code_now(key, steps_ahead=1)).status_code == 302
    # tom needs only his password
    tom = password_step("tom", password=DEMO_PASSWORD)
    assert tom.get(reverse("dashboard")).status_code == 200
    # run again, it prints ten new codes (only digests are stored: the old ones cannot be
    # printed again) and the old ones stop working
    again = StringIO()
    call_command("demo_clinic", stdout=again)
    new = re.findall(r"\b[a-z2-7]{4}-[a-z2-7]{4}\b", again.getvalue())
    assert len(new) == 10 and not set(new) & set(codes)
    old = password_step("amara", address="192.0.2.31", password=DEMO_PASSWORD)
    assert give_code(old, codes[1]).status_code == 400
    unthrottle(User.objects.get(username="amara"))
    fresh = password_step("amara", address="192.0.2.32", password=DEMO_PASSWORD)
    assert give_code(fresh, new[0]).status_code == 302


def test_codes_stored_before_digests_become_digests_and_still_sign_in(world: World) -> None:
    """clinic migration 0013 on a database whose codes were stored as they are (before it)."""
    from django.apps import apps

    migration = importlib.import_module("backcare.clinic.migrations.0013_recovery_code_digests")
    give_authenticator(world.therapist)
    device = StaticDevice.objects.create(user=world.therapist, name="recovery", confirmed=True)
    device.token_set.create(token="abcd2345")
    device.token_set.create(token="efgh6723")
    migration.digest_the_codes(apps, None)
    stored = set(device.token_set.values_list("token", flat=True))
    assert stored == {recovery_code_digest("abcd2345"), recovery_code_digest("efgh6723")}
    migration.digest_the_codes(apps, None)  # run again: digests are left as they are
    assert set(device.token_set.values_list("token", flat=True)) == stored
    assert give_code(password_step("alice"), "abcd-2345").status_code == 302
