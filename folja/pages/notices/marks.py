"""The "Nytt" marks of lists: which of the posts on a page have unread notices for the viewer (one query)."""

from __future__ import annotations

from collections.abc import Iterable

from folja.notifications import api


def mark_new_posts(viewer, posts: Iterable) -> None:  # noqa: ANN001
    """Set `post.is_new` on each post the viewer has an unread notice about (the card shows "Nytt")."""
    posts = list(posts)
    if not posts:
        return
    about = api.unread(viewer).filter(about_uuid__in=[p.uuid for p in posts]).values_list("about_uuid", flat=True)
    unread = set(about)
    for post in posts:
        post.is_new = post.uuid in unread


def unread_by_child(viewer, children: Iterable) -> dict[int, int]:  # noqa: ANN001
    """Return the number of unread notices per child (for the start page's "Nytt" marks), one query."""
    from django.db.models import Count

    ids = [c.pk for c in children]
    rows = (
        api.unread(viewer)
        .filter(child_id__in=ids)
        .order_by()
        .values("child_id")
        .annotate(n=Count("id"))
        .values_list("child_id", "n")
    )
    return dict(rows)
