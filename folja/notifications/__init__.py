"""Notices to persons by e-mail (and later web push): `folja.notifications.notify` is the one entry point."""


def notify(**kwargs):  # noqa: ANN003, ANN201
    """Store and send notices: see `folja.notifications.api.notify`."""
    from folja.notifications.api import notify as _notify

    return _notify(**kwargs)
