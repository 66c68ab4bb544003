"""The viewer's unread notices on every page: the header's count and the "Nytt" marks of lists.

Looked up once per request, the first time a view or template asks (`unread_for(request)`): the
uuids of the objects of the viewer's unread notices that they may see now (through the notices'
rules), at most LIMIT of them (`api.unread_visible`: one small query when nothing is unread, a
second with the rules of the kinds found when something is). The header counts them; the list
pages mark their cards from them.
"""

from __future__ import annotations

from functools import cached_property

from django.http import HttpRequest

from folja.notifications import api

LIMIT = 1000


class UnreadNotices:
    def __init__(self, viewer) -> None:  # noqa: ANN001
        self.viewer = viewer

    @cached_property
    def _rows(self) -> list[tuple[object, int | None]]:
        return api.unread_visible(self.viewer, LIMIT)

    @cached_property
    def unread(self) -> int:
        """How many unread notices the viewer may see (LIMIT at most: the header shows "999+" above)."""
        return len(self._rows)

    @property
    def more(self) -> bool:
        return self.unread >= LIMIT

    @cached_property
    def about(self) -> set[str]:
        return {str(about) for about, _child in self._rows if about is not None}

    @cached_property
    def per_child(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for _about, child in self._rows:
            if child is not None:
                counts[child] = counts.get(child, 0) + 1
        return counts


def unread_for(request: HttpRequest) -> UnreadNotices | None:
    """Return the request's unread notices (looked up once per request), None without a viewer."""
    viewer = getattr(request, "viewer", None)
    if viewer is None:
        return None
    found = getattr(request, "_folja_unread_notices", None)
    if found is None or found.viewer is not viewer:
        found = UnreadNotices(viewer)
        request._folja_unread_notices = found
    return found


def notices(request: HttpRequest) -> dict[str, object]:
    return {"folja_notices": unread_for(request)}
