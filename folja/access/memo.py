"""A memo of the viewer's relationships that lives for one request and no longer.

A page asks the policy the same questions several times (may this person hold the session, which
children may they see, is this child one of them); the answers are looked up once per request.
Outside a request scope (background tasks, management commands, tests calling the policy
directly) nothing is memoised, so code that changes relationships and asks again always sees the
change. Inside a request, a write that changes the viewer's relationships calls `forget()`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_memo: ContextVar[dict[Hashable, object] | None] = ContextVar("folja_access_memo", default=None)


@contextmanager
def request_scope() -> Iterator[None]:
    """Memoise relationship answers until the block ends (one request)."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def memoised(key: Hashable, compute: Callable[[], T]) -> T:
    """Return the memoised answer for `key` in this request, computing it on first use."""
    store = _memo.get()
    if store is None:
        return compute()
    if key not in store:
        store[key] = compute()
    return store[key]  # type: ignore[return-value]


def recall(key: Hashable) -> object | None:
    """Return the answer memoised for `key` in this request, None when there is none (or no scope)."""
    store = _memo.get()
    return None if store is None else store.get(key)


def remember(key: Hashable, value: object) -> None:
    """Memoise an answer computed with others (a batch lookup) for the rest of this request."""
    store = _memo.get()
    if store is not None:
        store[key] = value


def forget() -> None:
    """Drop every memoised answer of this request (after a write that changes relationships)."""
    store = _memo.get()
    if store is not None:
        store.clear()
