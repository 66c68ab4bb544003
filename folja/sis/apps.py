"""The SS 12000 import: client, mapping, sync and a fake SIS for development and tests."""

from django.apps import AppConfig


class SisConfig(AppConfig):
    name = "folja.sis"
    label = "sis"
    verbose_name = "SIS (SS 12000)"
