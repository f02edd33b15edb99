"""Every change to the clinic's staff: each is keyword-only, runs in one transaction and writes
its audit row in that same transaction (as backcare.clinic.actions does for records). Problems
raise `ActionError` with field-level messages and save nothing.

Roles: a clinic admin has the staff page, the audit log, clinic-wide downloads and erasure
(clinic/access.py decides each); a therapist has the clinic's clients. A clinic always keeps at
least one active admin: the last one can be neither demoted nor deactivated.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from backcare.accounts.models import Therapist
from backcare.api.tokens import revoke_all
from backcare.audit.log import record
from backcare.clinic import access
from backcare.clinic.actions import ActionError
from backcare.staff.models import INVITATION_HOURS, Invitation
from backcare.staff.passwords import password_problems

log = logging.getLogger("backcare.staff")

DISPLAY_NAME = Therapist._meta.get_field("display_name").max_length
EMAIL = Invitation._meta.get_field("email").max_length


def _fail(field: str, message: str) -> ActionError:
    return ActionError({field: [message]})


def check_password(password: str, user: Any, *, display_name: str = "") -> None:
    """Django's validators, for every way a password is set here; ActionError on "password"."""
    if problems := password_problems(password, user, display_name=display_name):
        raise ActionError({"password": problems})


def join_url(token: str) -> str:
    """The invitation link, on the site's address (BACKCARE_BASE_URL), as shown and emailed."""
    return settings.BACKCARE_BASE_URL + reverse("staff_join", args=[token])


# -- invitations ---------------------------------------------------------------------------------


@transaction.atomic
def invite(*, by: Any, email: str, display_name: str) -> tuple[Invitation, str]:
    """A one-time link for a new therapist of the admin `by`'s clinic: returned once (only its
    hash is kept) and emailed once the transaction commits."""
    admin = access.clinic_admin(by)
    email, display_name = email.strip(), display_name.strip()
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
        if len(email) > EMAIL:
            raise ValidationError("too long")
    except ValidationError:
        errors["email"] = [f"Enter an email address (at most {EMAIL} characters)."]
    if not display_name or len(display_name) > DISPLAY_NAME:
        errors["display_name"] = [f"Enter a name of at most {DISPLAY_NAME} characters."]
    if errors:
        raise ActionError(errors)
    token = Invitation.new_token()
    invitation = Invitation.objects.create(
        clinic=admin.clinic,
        email=email,
        display_name=display_name,
        token_hash=Invitation.hash(token),
        created_by=by,
        expires_at=Invitation.default_expiry(),
    )
    record(actor=by, action="staff.invite", clinic=admin.clinic, obj=invitation)
    _email_after_commit(invitation, join_url(token), admin)
    return invitation, token


def _email_after_commit(invitation: Invitation, url: str, admin: Therapist) -> None:
    subject = f"backcare: {admin.display_name} invites you to {admin.clinic.name}"
    body = "\n".join(
        [
            f"{admin.display_name} invites you to join {admin.clinic.name} on backcare.",
            "",
            f"Open this link to choose your username and password (it works once, for "
            f"{INVITATION_HOURS} hours):",
            url,
        ]
    )

    def send() -> None:
        try:
            send_mail(subject, body, None, [invitation.email])
        except Exception:  # the admin has the link on the page: a failed email loses nothing
            log.exception("could not email invitation %s", invitation.pk)

    transaction.on_commit(send)


@transaction.atomic
def cancel_invitation(*, by: Any, invitation: Invitation) -> None:
    """Withdraw an invitation not used yet (audited); a used or cancelled one is left alone."""
    admin = access.clinic_admin(by)
    cancelled = Invitation.objects.filter(
        pk=invitation.pk, clinic=admin.clinic, used_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=timezone.now())
    if cancelled:
        record(actor=by, action="staff.invite_cancel", clinic=admin.clinic, obj=invitation)


@transaction.atomic
def join(*, invitation: Invitation, username: str, password: str) -> Therapist:
    """Spend an invitation: a therapist account (not an admin) in the invitation's clinic, with
    the password checked by Django's validators. The invitation works once: a second use, or
    one after it expired or was cancelled, raises ActionError and creates nothing."""
    invitation = (
        Invitation.objects.select_for_update().select_related("clinic").get(pk=invitation.pk)
    )
    if not invitation.usable:
        raise _fail("", "This invitation has been used, cancelled or has expired.")
    User = get_user_model()
    user = User(username=username.strip(), email=invitation.email)
    try:
        user.clean_fields(exclude=["password"])
    except ValidationError as exc:
        raise ActionError(exc.message_dict) from None
    if User.objects.filter(username__iexact=user.username).exists():
        raise _fail("username", "This username is taken: choose another.")
    check_password(password, user, display_name=invitation.display_name)
    user.set_password(password)
    user.save()
    therapist = Therapist.objects.create(
        user=user, clinic=invitation.clinic, display_name=invitation.display_name
    )
    invitation.used_at = timezone.now()
    invitation.therapist = therapist
    invitation.save(update_fields=["used_at", "therapist"])
    record(
        actor=user,
        action="staff.join",
        clinic=invitation.clinic,
        obj=therapist,
        invitation=invitation.pk,
    )
    return therapist


# -- deactivation and roles ----------------------------------------------------------------------


def _other_active_admins(therapist: Therapist) -> bool:
    return (
        Therapist.objects.filter(
            clinic_id=therapist.clinic_id, is_clinic_admin=True, user__is_active=True
        )
        .exclude(pk=therapist.pk)
        .exists()
    )


def _end_sessions(user: Any) -> int:
    """Delete every web session of `user` from the session store (the database: Django's
    default, which backcare keeps), so that each of their browsers is signed out at once."""
    ended = [
        s.pk
        for s in Session.objects.only("session_key", "session_data")
        if s.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


@transaction.atomic
def deactivate(*, by: Any, therapist: Therapist) -> Therapist:
    """The account can no longer sign in; its web sessions end and its API tokens are revoked,
    at once and for good (reactivating it does not bring the tokens back). Its clients stay with
    the clinic. An admin cannot deactivate themself, nor the clinic's last active admin."""
    admin = access.clinic_admin(by)
    therapist = Therapist.objects.select_for_update().select_related("user").get(pk=therapist.pk)
    if therapist.clinic_id != admin.clinic_id:
        raise _fail("", "This therapist is not in your clinic.")
    if therapist.pk == admin.pk:
        raise _fail("", "You cannot deactivate your own account: ask another admin.")
    if therapist.is_clinic_admin and not _other_active_admins(therapist):
        raise _fail("", "The clinic needs an active admin: make someone else admin first.")
    if not therapist.user.is_active:
        return therapist
    therapist.user.is_active = False
    therapist.user.save(update_fields=["is_active"])
    sessions, tokens = _end_sessions(therapist.user), revoke_all(therapist.user)
    record(
        actor=by,
        action="staff.deactivate",
        clinic=admin.clinic,
        obj=therapist,
        sessions_ended=sessions,
        tokens_revoked=tokens,
    )
    return therapist


@transaction.atomic
def reactivate(*, by: Any, therapist: Therapist) -> Therapist:
    """The account can sign in again, with its old password (its old tokens stay revoked)."""
    admin = access.clinic_admin(by)
    therapist = Therapist.objects.select_for_update().select_related("user").get(pk=therapist.pk)
    if therapist.clinic_id != admin.clinic_id:
        raise _fail("", "This therapist is not in your clinic.")
    if therapist.user.is_active:
        return therapist
    therapist.user.is_active = True
    therapist.user.save(update_fields=["is_active"])
    record(actor=by, action="staff.reactivate", clinic=admin.clinic, obj=therapist)
    return therapist


@transaction.atomic
def set_role(*, by: Any, therapist: Therapist, admin_role: bool) -> Therapist:
    """Make a therapist a clinic admin, or an admin a therapist; the clinic's last active admin
    stays one. The change holds at the therapist's next request, API tokens included."""
    admin = access.clinic_admin(by)
    therapist = Therapist.objects.select_for_update().get(pk=therapist.pk)
    if therapist.clinic_id != admin.clinic_id:
        raise _fail("", "This therapist is not in your clinic.")
    if therapist.is_clinic_admin == admin_role:
        return therapist
    if not admin_role and not _other_active_admins(therapist):
        raise _fail("", "The clinic needs an active admin: make someone else admin first.")
    therapist.is_clinic_admin = admin_role
    therapist.save(update_fields=["is_clinic_admin"])
    role = "admin" if admin_role else "therapist"
    record(actor=by, action="staff.role", clinic=admin.clinic, obj=therapist, role=role)
    return therapist


# -- passwords -----------------------------------------------------------------------------------


def _clinic_of(user: Any) -> Any:
    therapist = getattr(user, "therapist", None)
    return therapist.clinic if therapist is not None else None


def _display_name(user: Any) -> str:
    therapist = getattr(user, "therapist", None)
    return therapist.display_name if therapist is not None else ""


@transaction.atomic
def change_password(*, user: Any, password: str) -> None:
    """The signed-in user's own new password (the old one was checked by the form). Django then
    ends their other sessions (the session hash changes); the caller keeps this one."""
    check_password(password, user, display_name=_display_name(user))
    user.set_password(password)
    user.save(update_fields=["password"])
    record(actor=user, action="account.password_change", clinic=_clinic_of(user), obj=user)


@transaction.atomic
def reset_password(*, user: Any, password: str) -> None:
    """A new password set through the emailed link (Django's token, checked by the view). It
    signs nobody in: the person signs in with it, second factor included."""
    check_password(password, user, display_name=_display_name(user))
    user.set_password(password)
    user.save(update_fields=["password"])
    record(actor=user, action="account.password_reset", clinic=_clinic_of(user), obj=user)


# -- what the clinic's letters print (issue 15) ---------------------------------------------------

CLINIC_DETAILS = ("address", "phone", "email", "letterhead", "time_zone")
PROFILE = ("display_name", "credentials", "registration_number")


def _cleaned(model: Any, fields: tuple[str, ...], values: dict[str, Any]) -> dict[str, str]:
    """The fields' new values, stripped and checked against the model's own limits (length,
    email, required); ActionError with each field's problems, saving nothing."""
    new = {f: str(values.get(f, "") or "").strip() for f in fields}
    for field, value in new.items():
        setattr(model, field, value)
    try:
        model.clean_fields(exclude=[f.name for f in model._meta.fields if f.name not in fields])
    except ValidationError as exc:
        raise ActionError(exc.message_dict) from None
    return new


@transaction.atomic
def update_clinic_details(*, by: Any, values: dict[str, Any]) -> Any:
    """The admin's clinic's address, phone, email and letterhead line, as its letters print
    them, and its time zone, as its pages show times (checked against zoneinfo by the model).
    The audit row names the fields that changed (not their values)."""
    admin = access.clinic_admin(by)
    clinic = type(admin.clinic).objects.select_for_update().get(pk=admin.clinic_id)
    before = {f: getattr(clinic, f) for f in CLINIC_DETAILS}
    # A zone left out keeps the clinic's (never an empty one); one given must be zoneinfo's.
    values = {**values, "time_zone": values.get("time_zone") or clinic.time_zone}
    new = _cleaned(clinic, CLINIC_DETAILS, values)
    changed = [f for f in CLINIC_DETAILS if before[f] != new[f]]
    if changed:
        clinic.save(update_fields=changed)
        record(actor=by, action="clinic.details", clinic=clinic, obj=clinic, fields=changed)
    return clinic


@transaction.atomic
def update_profile(*, by: Any, values: dict[str, Any]) -> Therapist:
    """The signed-in therapist's own name, credentials and registration number, as their
    letters are signed. The audit row names the fields that changed."""
    me = access.therapist_of(by)
    therapist = Therapist.objects.select_for_update().get(pk=me.pk)
    before = {f: getattr(therapist, f) for f in PROFILE}
    new = _cleaned(therapist, PROFILE, values)
    changed = [f for f in PROFILE if before[f] != new[f]]
    if changed:
        therapist.save(update_fields=changed)
        record(
            actor=by, action="staff.profile", clinic=therapist.clinic, obj=therapist, fields=changed
        )
    return therapist
