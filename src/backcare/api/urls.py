"""The JSON API under /api/v1/ and the pages where a therapist manages their API tokens."""

from django.urls import path

from backcare.api import views
from backcare.api.api import api

urlpatterns = [
    path("api-tokens/", views.tokens, name="api_tokens"),
    path("api-tokens/<int:token_id>/revoke/", views.revoke, name="api_token_revoke"),
    path("api/v1/", api.urls),
]
