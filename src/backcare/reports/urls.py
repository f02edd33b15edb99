"""The PDF reports."""

from django.urls import path

from backcare.reports import views

urlpatterns = [
    path(
        "clients/<int:client_id>/progress-report.pdf",
        views.progress_report,
        name="progress_report_pdf",
    ),
    path(
        "clients/<int:client_id>/referral-letter.pdf",
        views.referral_letter_pdf,
        name="referral_letter_pdf",
    ),
]
