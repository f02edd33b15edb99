"""The therapist's page for personal API tokens: create (shown once, with its expiry), list
(with expiry and last use), revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from backcare.api.models import DEFAULT_EXPIRY_DAYS, EXPIRY_DAYS, ApiToken
from backcare.api.tokens import create_token, revoke_token
from backcare.clinic import access


class TokenForm(forms.Form):
    name = forms.CharField(label="What the token is for", max_length=100)
    can_write = forms.BooleanField(label="Allow changes (otherwise read-only)", required=False)
    days = forms.TypedChoiceField(
        label="Works for",
        choices=[(d, f"{d} days") for d in EXPIRY_DAYS],
        coerce=int,
        initial=DEFAULT_EXPIRY_DAYS,
        required=False,
        empty_value=DEFAULT_EXPIRY_DAYS,  # left out: the default
    )


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    access.therapist_of(request.user)  # 404 for anyone but a therapist
    form = TokenForm(request.POST or None)
    shown = None
    if request.method == "POST" and form.is_valid():
        _, shown = create_token(
            by=request.user,
            name=form.cleaned_data["name"],
            can_write=form.cleaned_data["can_write"],
            days=form.cleaned_data["days"],
        )
        form = TokenForm()
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": ApiToken.objects.filter(user=request.user),
            "shown": shown,
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    access.therapist_of(request.user)  # 404 for an account without a clinic
    token = ApiToken.objects.filter(pk=token_id, user=request.user).first()
    if token is None:
        raise Http404("no such token")
    revoke_token(by=request.user, token=token)
    messages.success(request, f'The token "{token.name}" was revoked: it no longer works.')
    return redirect("api_tokens")
