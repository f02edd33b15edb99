"""Reaching an invitation: an admin reaches their clinic's, a person with the link reaches
theirs; 404 otherwise (as clinic/access.py does for records, on whose `clinic_admin` this
builds)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from backcare.clinic import access
from backcare.staff.models import Invitation


def clinic_invitation(user: Any, invitation_id: int) -> Invitation:
    admin = access.clinic_admin(user)
    try:
        return Invitation.objects.get(clinic_id=admin.clinic_id, pk=invitation_id)
    except Invitation.DoesNotExist:
        raise Http404("no such invitation") from None


def invitation_by_link(token: str) -> Invitation:
    """The invitation of a link that can still be used; 404 if unknown, used, cancelled or
    expired (the page says which cannot be told apart from a mistyped link)."""
    found = (
        Invitation.objects.select_related("clinic")
        .filter(token_hash=Invitation.hash(token))
        .first()
    )
    if found is None or not found.usable:
        raise Http404("this invitation link is unknown, used, cancelled or expired")
    return found
