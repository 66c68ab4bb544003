"""The "Nytt" marks of lists and of the start page, from the request's unread notices (context.py)."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest

from folja.pages.notices.context import unread_for


def mark_new_posts(request: HttpRequest, posts: Iterable) -> None:
    """Set `post.is_new` on each post the viewer has an unread notice about (the card shows "Nytt")."""
    posts = list(posts)
    found = unread_for(request)
    if not posts or found is None:
        return
    for post in posts:
        post.is_new = str(post.uuid) in found.about


def unread_by_child(request: HttpRequest) -> dict[int, int]:
    """Return the number of unread notices per child (the start page's "Nytt: n")."""
    found = unread_for(request)
    return found.per_child if found is not None else {}
