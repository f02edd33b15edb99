"""The only way views reach a client's record: each function answers 404 for anything outside
the caller's reach, so a therapist of another clinic cannot even learn that a record exists."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from backcare.accounts.models import Therapist
from backcare.clinic.models import (
    CheckIn,
    Client,
    ClientLink,
    ClinicAlert,
    IntakeRecord,
    Session,
)
from backcare.lib.rows import one_instance


def therapist_of(user: Any) -> Therapist:
    """The signed-in therapist; 404 for anyone else (signed-in users without a clinic, and
    deactivated accounts, too: sign-in and API tokens refuse them already, and this holds on
    every other path, the command line's included)."""
    therapist = (
        getattr(user, "therapist", None)
        if getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)
        else None
    )
    if therapist is None:
        raise Http404("not a therapist")
    return therapist


def clients_for(user: Any) -> QuerySet[Client]:
    """Every client of the user's clinic."""
    return Client.objects.filter(clinic=therapist_of(user).clinic).select_related("therapist")


def get_client(user: Any, client_id: int) -> Client:
    # Without clients_for's join on the therapist: most pages of one client never show it.
    therapist = therapist_of(user)
    # One plain query (lib/rows.py): every client page and API call starts here.
    # An id past the column's range is no client (the ORM's lookup says so; a plain query
    # would fail on it).
    if not 0 < client_id < 2**63:
        raise Http404("no such client")
    found = one_instance(Client, "t.clinic_id = %s AND t.id = %s", [therapist.clinic_id, client_id])
    if found is None:
        raise Http404("no such client")
    client = cast(Client, found)
    # The same clinic as the therapist's, already read with the user: no query for it (a
    # write stores the next session due in the clinic's time zone).
    client.clinic = therapist.clinic
    return client


def get_intake(user: Any, client_id: int, intake_id: int) -> IntakeRecord:
    client = get_client(user, client_id)
    try:
        return client.intakes.get(pk=intake_id)
    except IntakeRecord.DoesNotExist:
        raise Http404("no such intake") from None


def get_session(user: Any, client_id: int, session_id: int) -> Session:
    client = get_client(user, client_id)
    try:
        return client.sessions.select_related("client").get(pk=session_id)
    except Session.DoesNotExist:
        raise Http404("no such session") from None


def get_checkin(user: Any, client_id: int, checkin_id: int) -> CheckIn:
    client = get_client(user, client_id)
    try:
        return client.checkins.get(pk=checkin_id)
    except CheckIn.DoesNotExist:
        raise Http404("no such check-in") from None


def get_clinic_alert(user: Any, client_id: int, alert_id: int) -> ClinicAlert:
    client = get_client(user, client_id)
    try:
        return client.clinic_alerts.select_related("client").get(pk=alert_id)
    except ClinicAlert.DoesNotExist:
        raise Http404("no such alert") from None


def clinic_admin(user: Any) -> Therapist:
    """The signed-in clinic admin; 404 for anyone else. The admin's role: the staff page, the
    audit log, clinic-wide downloads and erasing a client (`client_to_erase`)."""
    therapist = therapist_of(user)
    if not therapist.is_clinic_admin:
        raise Http404("not a clinic admin")
    return therapist


def client_to_erase(user: Any, client_id: int) -> Client:
    """A client the user may erase: only a clinic admin may, and only a client of their clinic
    (404 otherwise, as for any record out of reach). The web page and the API both ask here."""
    clinic_admin(user)
    return get_client(user, client_id)


def staff_member(user: Any, therapist_id: int) -> Therapist:
    """A therapist of the admin `user`'s clinic, for the staff page; 404 otherwise."""
    admin = clinic_admin(user)
    try:
        return Therapist.objects.select_related("user").get(
            clinic_id=admin.clinic_id, pk=therapist_id
        )
    except Therapist.DoesNotExist:
        raise Http404("no such therapist") from None


class LinkUnusable(Http404):
    """A client's link that cannot be used, and why: "unknown", "used" or "expired" (the
    portal tells the person which, and to ask their clinic for a new link)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"this link is {reason}")
        self.reason = reason


def get_link(token: str, purpose: str) -> ClientLink:
    """A usable one-time link for `purpose`; 404 (LinkUnusable) if unknown, used or expired."""
    try:
        link = ClientLink.objects.select_related("client", "client__clinic").get(
            token_hash=ClientLink.hash(token), purpose=purpose
        )
    except ClientLink.DoesNotExist:
        raise LinkUnusable("unknown") from None
    if link.used_at is not None:
        raise LinkUnusable("used")
    if link.expires_at <= timezone.now():
        raise LinkUnusable("expired")
    return link


def portal_client(request: HttpRequest) -> Client:
    """The client whose portal session this is (opened by a one-time link); 404 otherwise."""
    client_id = request.session.get("portal_client_id")
    if client_id is None:
        raise Http404("no client session")
    try:
        return Client.objects.select_related("clinic").get(pk=client_id)
    except Client.DoesNotExist:
        raise Http404("no such client") from None
