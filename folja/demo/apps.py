from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "folja.demo"
    label = "demo"
