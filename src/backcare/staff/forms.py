"""The staff pages' forms. Passwords are checked by the actions (Django's validators); the
forms only ask for them twice."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import UsernameField

from backcare.accounts.models import Clinic, Therapist, time_zones
from backcare.staff.actions import DISPLAY_NAME, EMAIL


class InviteForm(forms.Form):
    display_name = forms.CharField(
        label="Their name, as the clinic sees it", max_length=DISPLAY_NAME
    )
    email = forms.EmailField(label="Their email address", max_length=EMAIL)


class JoinForm(forms.Form):
    username = UsernameField(label="Choose a username (to sign in with)", max_length=150)
    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters, not a common password, not like your name.",
    )
    password2 = forms.CharField(
        label="The password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data


def _limit(model: Any, field: str) -> int | None:
    return model._meta.get_field(field).max_length  # type: ignore[no-any-return]


class ClinicDetailsForm(forms.Form):
    """What the clinic's letters print at the top, for a reply (staff.actions checks again)."""

    address = forms.CharField(
        label="Postal address",
        required=False,
        max_length=_limit(Clinic, "address"),
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    phone = forms.CharField(
        label="Phone",
        required=False,
        max_length=_limit(Clinic, "phone"),
        widget=forms.TextInput(attrs={"autocomplete": "tel"}),
    )
    email = forms.EmailField(label="Email for replies", required=False)
    letterhead = forms.CharField(
        label="Letterhead line (optional: registrations, opening hours, website)",
        required=False,
        max_length=_limit(Clinic, "letterhead"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    time_zone = forms.ChoiceField(
        label="Time zone (every page shows dates and times in it)",
        required=False,  # left out: the clinic keeps its zone (staff.actions)
        choices=lambda: [(z, z) for z in time_zones()],
    )


class ProfileForm(forms.Form):
    """How the therapist signs a letter."""

    display_name = forms.CharField(label="Your name", max_length=DISPLAY_NAME)
    credentials = forms.CharField(
        label="Your qualifications (as a letter shows them)",
        required=False,
        max_length=_limit(Therapist, "credentials"),
    )
    registration_number = forms.CharField(
        label="Your registration number (professional register)",
        required=False,
        max_length=_limit(Therapist, "registration_number"),
    )
