"""Clinics and the therapists who work in them."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


def time_zones() -> list[str]:
    """Every IANA time zone this machine knows, sorted: the choices of a clinic's zone."""
    return sorted(available_timezones())


def validate_time_zone(value: str) -> None:
    """A clinic's zone must be one zoneinfo knows ("Europe/London", "Pacific/Auckland")."""
    if value not in available_timezones():
        raise ValidationError(f"Choose a time zone from the list ({value!r} is not one).")


class Clinic(models.Model):
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    # A short code the clinic gives its clients, so that someone who took the public self-check
    # can choose to send their answers here. Empty: the clinic takes none.
    selfcheck_code = models.CharField(max_length=16, unique=True, null=True, blank=True)
    # Clinic admins always sign in with a second factor; the clinic's other therapists too when
    # the admin switches this on (accounts/two_factor.py::must_use_two_factor).
    therapists_need_two_factor = models.BooleanField(default=False)
    # The clinic's details as its letters print them (issue 15): where a doctor or an emergency
    # team replies to, and an optional letterhead line (registrations, opening hours...).
    address = models.TextField(max_length=500, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    letterhead = models.TextField(max_length=500, blank=True)
    # The clinic's own time zone (issue 15): every page a therapist of the clinic sees shows
    # times in it (web/time_zone.py); exports stay in ISO 8601 with their offset. UTC until the
    # admin sets it: the zone backcare showed before there was a choice.
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])

    @property
    def zone(self) -> ZoneInfo:
        """The clinic's zone; UTC for a zone this machine no longer knows (never an error)."""
        try:
            return ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    @staticmethod
    def new_selfcheck_code() -> str:
        import secrets

        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
        return "".join(secrets.choice(alphabet) for _ in range(8))

    def __str__(self) -> str:
        return self.name


class Therapist(models.Model):
    """A massage therapist: a sign-in account that belongs to exactly one clinic."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="therapist"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="therapists")
    display_name = models.CharField(max_length=200)
    is_clinic_admin = models.BooleanField(default=False)
    # As the therapist signs a letter (issue 15): their qualifications ("BSc, Dip. Sports
    # Massage") and their number with their professional register, each set on their profile.
    credentials = models.CharField(max_length=200, blank=True)
    registration_number = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return self.display_name
