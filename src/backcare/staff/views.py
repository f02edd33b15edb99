"""The staff pages: the clinic admin's staff page (invite, deactivate, reactivate, roles), the
invitation link's page, and changing or resetting one's own password (Django's views, with
backcare's templates, saving through the staff actions so that each change is audited)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_POST

from backcare.accounts.models import Therapist
from backcare.clinic import access
from backcare.clinic.actions import ActionError
from backcare.lib.forms import add_errors
from backcare.staff import actions
from backcare.staff.access import clinic_invitation, invitation_by_link
from backcare.staff.forms import ClinicDetailsForm, InviteForm, JoinForm, ProfileForm
from backcare.staff.models import Invitation


@login_required
def staff(request: HttpRequest) -> HttpResponse:
    """The clinic's therapists and open invitations; a POST invites someone (link shown once)."""
    admin = access.clinic_admin(request.user)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, token = actions.invite(by=request.user, **form.cleaned_data)
        except ActionError as exc:
            add_errors(form, exc.errors)
        else:
            return render(
                request,
                "staff/invited.html",
                {"invitation": invitation, "url": actions.join_url(token)},
            )
    people = (
        Therapist.objects.filter(clinic_id=admin.clinic_id)
        .select_related("user")
        .order_by("-user__is_active", "display_name")
    )
    invitations = Invitation.objects.filter(
        clinic_id=admin.clinic_id,
        used_at__isnull=True,
        cancelled_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    return render(
        request,
        "staff/staff.html",
        {"admin": admin, "people": people, "invitations": invitations, "form": form},
        status=422 if form.errors else 200,
    )


def _staff_change(request: HttpRequest, therapist_id: int, change: Any, done: str) -> HttpResponse:
    therapist = access.staff_member(request.user, therapist_id)
    try:
        change(by=request.user, therapist=therapist)
    except ActionError as exc:
        messages.error(request, " ".join(m for ms in exc.errors.values() for m in ms))
    else:
        messages.success(request, f"{therapist.display_name} {done}.")
    return redirect("staff")


@login_required
@require_POST
def deactivate(request: HttpRequest, therapist_id: int) -> HttpResponse:
    return _staff_change(
        request,
        therapist_id,
        actions.deactivate,
        "can no longer sign in: their sessions ended and their API tokens were revoked",
    )


@login_required
@require_POST
def reactivate(request: HttpRequest, therapist_id: int) -> HttpResponse:
    return _staff_change(request, therapist_id, actions.reactivate, "can sign in again")


@login_required
@require_POST
def role(request: HttpRequest, therapist_id: int) -> HttpResponse:
    admin_role = request.POST.get("role") == "admin"

    def change(*, by: Any, therapist: Therapist) -> None:
        actions.set_role(by=by, therapist=therapist, admin_role=admin_role)

    return _staff_change(
        request, therapist_id, change, "is a clinic admin" if admin_role else "is a therapist"
    )


@login_required
@require_POST
def invitation_cancel(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = clinic_invitation(request.user, invitation_id)
    actions.cancel_invitation(by=request.user, invitation=invitation)
    messages.success(request, f"The invitation to {invitation.display_name} was withdrawn.")
    return redirect("staff")


def join(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link: choose a username and password; the account is made once."""
    invitation = invitation_by_link(token)
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.join(
                invitation=invitation,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
            )
        except ActionError as exc:
            add_errors(form, exc.errors, rename={"password": "password1"})
        else:
            messages.success(request, "Your account is ready: sign in with it.")
            return redirect("login")
    return render(
        request,
        "staff/join.html",
        {"invitation": invitation, "form": form},
        status=422 if form.errors else 200,
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view (the old password asked for, the new one twice), saved by the action."""

    template_name = "staff/password_change.html"
    success_url = reverse_lazy("dashboard")

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            actions.change_password(user=form.user, password=form.cleaned_data["new_password1"])
        except ActionError as exc:
            add_errors(form, exc.errors, rename={"password": "new_password2"})
            return self.form_invalid(form)
        update_session_auth_hash(self.request, form.user)  # this session stays signed in
        messages.success(self.request, "Your password was changed.")
        return redirect(self.success_url)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's view: an email with a link holding Django's token, if an active account has the
    address (the page says the same either way)."""

    template_name = "staff/password_reset.html"
    email_template_name = "staff/password_reset_email.txt"
    subject_template_name = "staff/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form: Any) -> HttpResponse:
        self.extra_email_context = {"base_url": settings.BACKCARE_BASE_URL}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "staff/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view (the token checked, then the new password twice), saved by the action.
    Nobody is signed in by it."""

    template_name = "staff/password_reset_confirm.html"

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            actions.reset_password(user=form.user, password=form.cleaned_data["new_password1"])
        except ActionError as exc:
            add_errors(form, exc.errors, rename={"password": "new_password2"})
            return self.form_invalid(form)
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        messages.success(self.request, "Your password was set: sign in with it.")
        return redirect("login")


def _details_page(
    request: HttpRequest, form: Any, save: Any, template: str, done: str, context: dict[str, Any]
) -> HttpResponse:
    """A details form saved by its action, with a message after the save (issue 15)."""
    if request.method == "POST" and form.is_valid():
        try:
            save(by=request.user, values=form.cleaned_data)
        except ActionError as exc:
            add_errors(form, exc.errors)
        else:
            messages.success(request, done)
            return redirect(request.path)
    return render(request, template, {**context, "form": form}, status=422 if form.errors else 200)


@login_required
def clinic_details(request: HttpRequest) -> HttpResponse:
    """The clinic admin's page for what the clinic's letters print (address, phone, email,
    letterhead line)."""
    admin = access.clinic_admin(request.user)
    clinic = admin.clinic
    initial = {f: getattr(clinic, f) for f in actions.CLINIC_DETAILS}
    form = ClinicDetailsForm(request.POST or None, initial=initial)
    return _details_page(
        request,
        form,
        actions.update_clinic_details,
        "staff/clinic_details.html",
        "The clinic's details were saved: letters print them from now on.",
        {"clinic": clinic},
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The signed-in therapist's own profile: how their letters are signed."""
    me = access.therapist_of(request.user)
    initial = {f: getattr(me, f) for f in actions.PROFILE}
    form = ProfileForm(request.POST or None, initial=initial)
    return _details_page(
        request,
        form,
        actions.update_profile,
        "staff/profile.html",
        "Your profile was saved: your letters are signed with it from now on.",
        {"therapist": me},
    )
