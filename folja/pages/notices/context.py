"""The header's unread count on every page: counted only when a page shows it, through the notices' rules."""

from __future__ import annotations

from functools import cached_property

from django.http import HttpRequest

from folja.notifications import api


class _Notices:
    def __init__(self, viewer) -> None:  # noqa: ANN001
        self.viewer = viewer

    @cached_property
    def unread(self) -> int:
        """The viewer's unread notices they may see now: one query, when the template asks."""
        return api.unread(self.viewer).count()


def notices(request: HttpRequest) -> dict[str, object]:
    viewer = getattr(request, "viewer", None)
    return {"folja_notices": _Notices(viewer) if viewer is not None else None}
