from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "backcare.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from backcare.accounts.lockout import clear_own_failures

        user_logged_in.connect(clear_own_failures, dispatch_uid="backcare.clear_own_failures")
