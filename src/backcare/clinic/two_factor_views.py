"""The pages of two-factor sign-in: the code step after the password, setting up an
authenticator (secret as text and as a QR code, drawn here: no outside service), new recovery
codes, and for a clinic admin the clinic's rule and resetting a colleague's second factor.

Every change is an action of two_factor.py (one transaction with its audit row). The gate that
sends a half-signed-in user here is web/two_factor.py.
"""

from __future__ import annotations

import base64
import time
from typing import Any

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from backcare.accounts.two_factor import (
    authenticator,
    enrolled,
    has_two_factor,
    must_use_two_factor,
    recovery_codes_left,
)
from backcare.clinic import access, two_factor
from backcare.clinic.actions import ActionError
from backcare.clinic.sign_ins import PASSWORD_AT
from backcare.lib.addresses import client_address
from backcare.lib.forms import add_errors

PENDING_KEY = "backcare_pending_totp_key"  # the secret being set up, until it is confirmed
# Setting up a second factor needs a password given this recently in this session: an open
# session alone (a colleague's unlocked screen) cannot put someone else's phone on the account.
SETUP_WINDOW_SECONDS = 10 * 60


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The six digits your authenticator app shows now, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


class RuleForm(forms.Form):
    required = forms.BooleanField(
        label="Every therapist of this clinic must use two-factor sign-in", required=False
    )


def _said(error: ActionError) -> str:
    return " ".join(m for said in error.errors.values() for m in said)


def _next(request: HttpRequest) -> str:
    """Where to go once signed in: the page asked for, if it is one of this site's."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    steps = (reverse("two_factor_code"), reverse("two_factor_enrol"))
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) and not target.startswith(steps):  # not back to a step: it would send on again
        return target
    return reverse("dashboard")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def code(request: HttpRequest) -> HttpResponse:
    """The second step of signing in."""
    user = request.user
    if user.is_verified() or not has_two_factor(user):  # type: ignore[union-attr]
        return redirect(_next(request))  # nothing to give (the gate says what is needed)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.verify(
                user=user, code=form.cleaned_data["code"], address=client_address(request)
            )
        except ActionError as exc:
            add_errors(form, exc.errors)
        else:
            otp_login(request, device)
            request.session.cycle_key()  # a new session id for the signed-in session
            if isinstance(device, StaticDevice):
                left = recovery_codes_left(user)
                messages.warning(
                    request,
                    f"You signed in with a recovery code; {left} left. Make new ones on the "
                    "two-factor page if you are running out.",
                )
            return redirect(_next(request))
    status = 400 if form.errors else 200
    return render(
        request,
        "accounts/two_factor_code.html",
        {"form": form, "next": _next(request)},
        status=status,
    )


def _setup_is_fresh(request: HttpRequest) -> bool:
    given = request.session.get(PASSWORD_AT)
    return given is not None and time.time() - int(given) <= SETUP_WINDOW_SECONDS


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: its secret (text and QR code), then a code from it; the ten
    recovery codes are shown once, on the answer to that POST."""
    user = request.user
    access.therapist_of(user)
    if has_two_factor(user):
        messages.info(request, "Two-factor sign-in is already set up.")
        return redirect("two_factor")
    if not _setup_is_fresh(request):
        logout(request)
        messages.info(request, "Sign in again to set up two-factor sign-in.")
        return redirect(f"{reverse('login')}?next={reverse('two_factor_enrol')}")
    key = request.session.get(PENDING_KEY) or two_factor.new_key()
    request.session[PENDING_KEY] = key
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = two_factor.enrol(by=user, key=key, code=form.cleaned_data["code"])
        except ActionError as exc:
            add_errors(form, exc.errors)
        else:
            del request.session[PENDING_KEY]
            otp_login(request, device)  # the code just given verifies this session
            request.session.cycle_key()
            return render(
                request,
                "accounts/two_factor_codes.html",
                {"codes": codes, "next": _next(request), "first": True},
            )
    context = {
        "form": form,
        "secret": two_factor.key_text(key),
        "qr": _qr_data_uri(two_factor.setup_address(user, key)),
        "required": must_use_two_factor(user),
        "next": _next(request),
    }
    return render(
        request, "accounts/two_factor_enrol.html", context, status=400 if form.errors else 200
    )


def _qr_data_uri(text: str) -> str:
    """`text` as a QR code, an SVG image inline in the page (a data: URI: no request, no CDN)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@never_cache
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """One's own second factor; for a clinic admin also the clinic's rule and the staff's."""
    therapist = access.therapist_of(request.user)
    context: dict[str, Any] = {
        "enrolled": authenticator(request.user),
        "codes_left": recovery_codes_left(request.user),
        "required": must_use_two_factor(request.user),
    }
    if therapist.is_clinic_admin:
        staff = therapist.clinic.therapists.select_related("user").order_by("display_name")
        with_factor = enrolled([t.user_id for t in staff])
        context["staff"] = [(t, t.user_id in with_factor) for t in staff]
        context["rule_form"] = RuleForm(
            initial={"required": therapist.clinic.therapists_need_two_factor}
        )
    return render(request, "accounts/two_factor.html", context)


@never_cache
@login_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    try:
        codes = two_factor.new_recovery_codes(by=request.user)
    except ActionError as exc:
        messages.error(request, _said(exc))
        return redirect("two_factor")
    return render(
        request,
        "accounts/two_factor_codes.html",
        {"codes": codes, "next": reverse("two_factor"), "first": False},
    )


@login_required
@require_POST
def reset(request: HttpRequest, therapist_id: int) -> HttpResponse:
    colleague = access.staff_member(request.user, therapist_id)  # 404 outside the clinic
    try:
        two_factor.reset(by=request.user, therapist=colleague)
    except ActionError as exc:
        messages.error(request, _said(exc))
    else:
        messages.success(
            request,
            f"{colleague.display_name}'s two-factor sign-in was reset: they set it up again "
            "at their next sign-in.",
        )
    return redirect("two_factor")


@login_required
@require_POST
def rule(request: HttpRequest) -> HttpResponse:
    access.clinic_admin(request.user)
    form = RuleForm(request.POST)
    form.is_valid()  # a checkbox: absent is False, anything else True
    required = bool(form.cleaned_data.get("required"))
    two_factor.set_therapists_need_two_factor(by=request.user, required=required)
    messages.success(
        request,
        "Every therapist now needs two-factor sign-in."
        if required
        else "Two-factor sign-in is now up to each therapist (admins still need it).",
    )
    return redirect("two_factor")
