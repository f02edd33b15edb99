"""Telling the clinic at once (clinical-rules §6b): email to the client's therapist and the
clinic's admins, sent only after the transaction that raised the alert commits.

A sending failure is logged and never undoes the check-in: the alert is stored and shown on the
dashboard whatever happens to the email, and escalation (`backcare manage escalate`) repeats it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from backcare.accounts.models import Therapist
from backcare.clinic.models import Client, ClinicAlert
from backcare.core.wording import ALERT_NAME, NEXT_STEP

log = logging.getLogger("backcare.notify")


def recipients(client: Client, *, admins_only: bool = False) -> list[str]:
    """Addresses of the client's therapist (unless `admins_only`) and the clinic's admins."""
    people = Therapist.objects.filter(clinic_id=client.clinic_id, user__is_active=True)
    chosen = [
        t.user.email
        for t in people.select_related("user")
        if t.user.email and (t.is_clinic_admin or (not admins_only and t.pk == client.therapist_id))
    ]
    return sorted(set(chosen))


def _message(alerts: Iterable[ClinicAlert], *, escalation: bool) -> tuple[str, str]:
    alerts = list(alerts)
    worst = "emergency" if any(a.next_step == "emergency" for a in alerts) else "see_doctor"
    # No client name in the subject or body: email is not a safe channel for health data. The
    # link leads to the record behind the sign-in.
    prefix = "ESCALATED: " if escalation else ""
    subject = f"{prefix}backcare: {NEXT_STEP[worst]} (client #{alerts[0].client_id})"
    lines = [
        f"A check-in raised {len(alerts)} alert(s) that a therapist must acknowledge:",
        *(f"- {ALERT_NAME.get(a.rule, a.rule)}: {NEXT_STEP[a.next_step]}" for a in alerts),
        "",
        f"Open: {settings.BACKCARE_BASE_URL}/clients/{alerts[0].client_id}/",
    ]
    return subject, "\n".join(lines)


def send_after_commit(alerts: list[ClinicAlert], to: list[str], *, escalation: bool) -> None:
    """Send once the surrounding transaction commits; log (never raise) if sending fails."""
    if not alerts or not to:
        if alerts:
            log.warning("alert for client %s: nobody to email", alerts[0].client_id)
        return
    subject, body = _message(alerts, escalation=escalation)

    def send() -> None:
        try:
            send_mail(subject, body, None, to)
        except Exception:  # any transport failure: the alert itself is stored and shown
            log.exception("could not email the clinic about client %s", alerts[0].client_id)

    transaction.on_commit(send)
