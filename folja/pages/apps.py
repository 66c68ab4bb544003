from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "folja.pages"
    label = "pages"

    def ready(self) -> None:
        from folja.directory.signals import person_sealed

        person_sealed.connect(_forget_cards, dispatch_uid="folja.pages.forget_cards")


def _forget_cards(sender, person_id: int, **kwargs) -> None:  # noqa: ANN001, ANN003 - a signal receiver
    from folja.pages import listing

    listing.forget_cards_naming(person_id)
