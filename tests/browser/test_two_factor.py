"""Two-factor sign-in in a real browser: a clinic admin gives her password, then the code her
authenticator app shows (computed here from the app's secret), and reaches the dashboard; an
admin without one sets it up from the QR page, sees her recovery codes once, and goes on. The
pages pass axe-core."""

from __future__ import annotations

from base64 import b32decode
from typing import Any

from django.contrib.auth.models import User
from django_otp.plugins.otp_totp.models import TOTPDevice

from backcare.audit.models import AuditEvent
from support.two_factor import code_now

from .conftest import PASSWORD, axe_violations, screenshot


def _password(page: Any, base: str) -> None:
    page.goto(f"{base}/sign-in/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def test_password_then_the_authenticators_code_reaches_the_dashboard(
    desktop: Any, live_server: Any, therapist: User
) -> None:
    page, base = desktop, live_server.url
    _password(page, base)
    page.wait_for_url(f"{base}/sign-in/code/**")
    assert page.locator("nav[aria-label=Main] >> text=Clients").count() == 0  # not yet
    assert not axe_violations(page), "the code page"
    screenshot(page, "two-factor-code")
    # a wrong code first: refused, said so on the field
    page.fill("#id_code", "12345")
    page.click("button[type=submit]")
    assert "six digits" in page.inner_text("#id_code-error")
    page.fill("#id_code", code_now())
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert "Alice Ng" in page.inner_text("header")
    assert page.locator("nav[aria-label=Main] >> text=Two-factor").count() == 1
    actions = set(AuditEvent.objects.filter(actor=therapist).values_list("action", flat=True))
    assert {"auth.sign_in", "mfa.fail", "mfa.verify"} <= actions
    # the one error: the browser reports the wrong code's answer, a 400
    assert [e for e in page.console_errors if "400 (Bad Request)" not in e] == []
    assert len(page.console_errors) == 1


def test_an_admin_without_one_sets_it_up_at_sign_in(
    desktop: Any, live_server: Any, therapist: User
) -> None:
    TOTPDevice.objects.filter(user=therapist).delete()  # the fixture's: she has none yet
    page, base = desktop, live_server.url
    _password(page, base)
    page.wait_for_url(f"{base}/two-factor/set-up/**")
    qr = page.locator("img.qr")
    qr.wait_for()
    # the QR code is drawn in the page (a data: image the CSP allows), at its full size
    assert page.evaluate("document.querySelector('img.qr').naturalWidth") > 0
    assert not axe_violations(page), "the set-up page"
    screenshot(page, "two-factor-set-up")
    secret = page.inner_text("code.secret").replace(" ", "")
    page.fill("#id_code", code_now(b32decode(secret).hex()))
    page.click("button[type=submit]")
    page.wait_for_selector("ul.recovery-codes")
    assert page.locator("ul.recovery-codes li").count() == 10
    assert not axe_violations(page), "the recovery codes page"
    page.click("text=I have kept them: continue")
    page.wait_for_url(f"{base}/")
    assert TOTPDevice.objects.get(user=therapist).confirmed
    assert page.console_errors == []
