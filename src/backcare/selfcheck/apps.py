from django.apps import AppConfig


class SelfCheckConfig(AppConfig):
    name = "backcare.selfcheck"
    label = "selfcheck"
