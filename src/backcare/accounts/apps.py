from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "backcare.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
