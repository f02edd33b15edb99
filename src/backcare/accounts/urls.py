"""Signing in and out (Django's own views, with backcare's sign-in page)."""

from django.contrib.auth import views as auth_views
from django.urls import path

urlpatterns = [
    path(
        "sign-in/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
]
