from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "backcare.staff"
    label = "staff"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import pre_save

        from backcare.staff.passwords import refuse_weak_passwords

        # Every path that sets a password, Django's own commands included (createsuperuser
        # --noinput checks none): the password is checked by the validators before it is saved.
        pre_save.connect(
            refuse_weak_passwords, sender=settings.AUTH_USER_MODEL, dispatch_uid="staff-pw"
        )
