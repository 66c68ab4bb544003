from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "folja.pages"
    label = "pages"
