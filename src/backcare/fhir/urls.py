"""A client's record as a FHIR bundle, and an intake imported from a FHIR QuestionnaireResponse."""

from django.urls import path

from backcare.fhir import views

urlpatterns = [
    path("clients/<int:client_id>/intakes/import/", views.intake_import, name="intake_import"),
]
