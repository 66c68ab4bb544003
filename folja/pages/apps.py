from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "folja.pages"
    label = "pages"

    def ready(self) -> None:
        from folja.directory.signals import person_sealed

        person_sealed.connect(_forget_cards, dispatch_uid="folja.pages.forget_cards")

        from folja.pages.transitions import notices as transition_notices

        transition_notices.register()  # consent questions and new terms (folja/notifications/rules.py)


def _forget_cards(sender, person_id: int, **kwargs) -> None:  # noqa: ANN001, ANN003 - a signal receiver
    from folja.pages import listing

    listing.forget_cards_naming(person_id)
