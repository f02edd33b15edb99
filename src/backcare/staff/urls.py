"""The staff page, invitation links, and changing or resetting a password."""

from django.urls import path

from backcare.staff import views

urlpatterns = [
    path("staff/", views.staff, name="staff"),
    path("staff/<int:therapist_id>/deactivate/", views.deactivate, name="staff_deactivate"),
    path("staff/<int:therapist_id>/reactivate/", views.reactivate, name="staff_reactivate"),
    path("staff/<int:therapist_id>/role/", views.role, name="staff_role"),
    path(
        "staff/invitations/<int:invitation_id>/cancel/",
        views.invitation_cancel,
        name="staff_invitation_cancel",
    ),
    path("clinic/details/", views.clinic_details, name="clinic_details"),
    path("profile/", views.profile, name="profile"),
    path("join/<str:token>/", views.join, name="staff_join"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
]
