"""Every download of a record (the table is reports/downloads.py); names and paths as before."""

from django.urls import path

from backcare.reports import views

urlpatterns = [
    path("outcomes.csv", views.download, {"what": "outcomes_csv"}, name="outcomes_csv"),
    path(
        "clients/<int:client_id>/export.json",
        views.download,
        {"what": "client_json"},
        name="client_export",
    ),
    path(
        "clients/<int:client_id>/sessions.csv",
        views.download,
        {"what": "sessions_csv"},
        name="sessions_csv",
    ),
    path(
        "clients/<int:client_id>/fhir.json",
        views.download,
        {"what": "fhir_bundle"},
        name="client_fhir",
    ),
    path(
        "clients/<int:client_id>/progress-report.pdf",
        views.download,
        {"what": "progress_report_pdf"},
        name="progress_report_pdf",
    ),
    path(
        "clients/<int:client_id>/referral-letter.pdf",
        views.download,
        {"what": "referral_letter_pdf"},
        name="referral_letter_pdf",
    ),
]
