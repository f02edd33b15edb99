"""The public self-check and learn pages (no account, nothing stored)."""

from django.urls import path

from backcare.selfcheck import views

urlpatterns = [
    path("self-check/", views.self_check, name="self_check"),
    path("self-check/send/", views.send, name="self_check_send"),
    path("learn/", views.learn, name="learn"),
]
