from django.apps import AppConfig


class IopConfig(AppConfig):
    name = "iop"
    verbose_name = "Programs and staff"
