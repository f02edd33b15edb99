"""The staff pages' forms. Passwords are checked by the actions (Django's validators); the
forms only ask for them twice."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import UsernameField

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
