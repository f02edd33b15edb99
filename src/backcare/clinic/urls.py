"""The therapist's pages (`views`) and the client portal opened by one-time links (`portal`)."""

from django.urls import path

from backcare.clinic import audit_page, portal, two_factor_views, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("clients/new/", views.client_new, name="client_new"),
    path("clients/needs-attention/", views.needs_attention, name="needs_attention"),
    path("clients/<int:client_id>/", views.client_detail, name="client_detail"),
    path("clients/<int:client_id>/edit/", views.client_edit, name="client_edit"),
    path("clients/<int:client_id>/intakes/new/", views.intake_new, name="intake_new"),
    path(
        "clients/<int:client_id>/intakes/<int:intake_id>/",
        views.intake_detail,
        name="intake_detail",
    ),
    path(
        "clients/<int:client_id>/intakes/<int:intake_id>/clearances/",
        views.clearance_add,
        name="clearance_add",
    ),
    path("clients/<int:client_id>/sessions/new/", views.session_new, name="session_new"),
    path("clients/<int:client_id>/sessions/check/", views.session_check, name="session_check"),
    path("clients/<int:client_id>/reviews/new/", views.review_new, name="review_new"),
    path(
        "clients/<int:client_id>/sessions/<int:session_id>/edit/",
        views.session_edit,
        name="session_edit",
    ),
    path(
        "clients/<int:client_id>/sessions/<int:session_id>/void/",
        views.session_void,
        name="session_void",
    ),
    path(
        "clients/<int:client_id>/intakes/<int:intake_id>/reassess/",
        views.intake_reassess,
        name="intake_reassess",
    ),
    path(
        "clients/<int:client_id>/alerts/<int:alert_id>/acknowledge/",
        views.alert_acknowledge,
        name="alert_acknowledge",
    ),
    path(
        "clients/<int:client_id>/sessions/<int:session_id>/",
        views.session_detail,
        name="session_detail",
    ),
    path(
        "clients/<int:client_id>/sessions/<int:session_id>/sign/",
        views.session_sign,
        name="session_sign",
    ),
    path(
        "clients/<int:client_id>/sessions/<int:session_id>/amend/",
        views.session_amend,
        name="session_amend",
    ),
    path("clients/<int:client_id>/progress/", views.progress_page, name="progress"),
    path(
        "clients/<int:client_id>/measurements/new/", views.measurement_new, name="measurement_new"
    ),
    path("clients/<int:client_id>/referral-letter/", views.referral_letter, name="referral_letter"),
    path("clients/<int:client_id>/links/", views.link_create, name="link_create"),
    path("audit/", audit_page.audit_log, name="audit_log"),
    path("clients/<int:client_id>/erase/", views.client_erase, name="client_erase"),
    # Two-factor sign-in: the code step after the password, setting it up, the admin's page.
    path("sign-in/code/", two_factor_views.code, name="two_factor_code"),
    path("two-factor/", two_factor_views.overview, name="two_factor"),
    path("two-factor/set-up/", two_factor_views.enrol, name="two_factor_enrol"),
    path(
        "two-factor/recovery-codes/",
        two_factor_views.recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("two-factor/rule/", two_factor_views.rule, name="two_factor_rule"),
    path("two-factor/reset/<int:therapist_id>/", two_factor_views.reset, name="two_factor_reset"),
    # The client portal: no account, a session opened by a one-time link.
    path("c/intake/<str:token>/", portal.intake_link, name="portal_intake"),
    path("c/checkin/<str:token>/", portal.checkin_link, name="portal_checkin"),
    path("c/assessment/", portal.intake_result, name="portal_result"),
]
