"""How a signed-in user is loaded on each request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class TherapistBackend(ModelBackend):
    """Django's ModelBackend, except that the signed-in user of each request is loaded with its
    therapist and clinic in one query (three otherwise): every page needs all three."""

    def get_user(self, user_id: Any) -> Any:
        try:
            user = (
                get_user_model()
                ._default_manager.select_related("therapist__clinic")
                .get(pk=user_id)
            )
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
