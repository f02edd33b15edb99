from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "backcare.clinic"
    label = "clinic"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from backcare.clinic import sign_ins

        sign_ins.connect()  # signing in and out, in the audit log
