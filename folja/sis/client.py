"""An SS 12000 v2.1 client over httpx: paging, delta filters, lookups, retries.

Paging follows the spec: only the first request of a listing carries filters (and `limit`);
every following request carries `pageToken` (and `limit`) and nothing else, because servers
must answer 400 to a page token combined with filters. Servers that ignore `limit` or return
everything in one page work too. Transient failures (5xx, 429, timeouts, refused connections)
are retried with bounded exponential backoff; a page that is not the documented shape raises
`SisMalformedPage`, which stops the run before anything is written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import functools
import logging
import queue
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

import httpx

try:  # a pinned dependency (about three times faster on large pages); the standard library otherwise
    from orjson import loads as json_loads
except ImportError:  # pragma: no cover
    from json import loads as json_loads

logger = logging.getLogger(__name__)

# In a thread of MergedStreams: `wait`, called by `SisClient._request` between receiving an answer
# and decoding it (see MergedStreams).
_decoding = threading.local()

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
# Misspellings in the SS 12000 v2.1 spec that real servers echo; mapped to the intended names.
KNOWN_MISSPELLINGS = {"activitites": "activities", "modifiedEntites": "modifiedEntities"}
# Listings whose entities carry many others inside them are asked for in smaller pages, so that a
# decoded page of any listing holds about as much memory: a group carries its memberships (about
# 18 a group in a municipality), and a page of 5,000 groups decoded held about 780,000 Python
# objects against about 200,000 for a page of 5,000 persons. An import holds two decoded pages at
# most (`listings`), so the largest page sets its peak memory.
PAGE_DIVISOR = {"/groups": 4}


class SisError(Exception):
    """Base class for errors that stop a sync run; messages never contain personal data.

    `code` names the kind of failure; the run stores it and shows it translated
    (`folja.sis.models.ERROR_LABELS`), with the English message as its detail.
    """

    code = "sis_error"


class SisUnavailable(SisError):
    """Raised when the SIS keeps failing after the bounded retries."""

    code = "sis_unavailable"


class SisMalformedPage(SisError):
    """Raised when a response is not the shape the spec documents."""

    code = "sis_malformed"


class SisRequestRejected(SisError):
    """Raised for a 4xx answer other than 429 (bad filter, forbidden, not found)."""

    code = "sis_rejected"


def format_timestamp(value: dt.datetime) -> str:
    """Return an RFC 3339 timestamp in UTC, as SS 12000 filters expect."""
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def parse_timestamp(value: Any) -> dt.datetime | None:
    """Return an aware datetime for an RFC 3339 string, or None for anything else."""
    if not isinstance(value, str):
        return None
    return _parse_timestamp(value)


@functools.lru_cache(maxsize=4096)
def _parse_timestamp(value: str) -> dt.datetime | None:
    # Cached: every entity carries two timestamps and a bulk-loaded SIS repeats them a lot.
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _without_nul(value: Any) -> Any:
    """Return decoded JSON with every NUL character removed from its strings (keys included)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    return value


class SisClient:
    """Read entities from one SS 12000 server."""

    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        verify: Any = True,
        timeout: float = 60.0,
        page_limit: int | None = 1000,
        max_attempts: int = 5,
        backoff_base: float = 0.5,
        backoff_max: float = 20.0,
        lookup_batch: int = 500,
        prefetch: bool = True,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.page_limit = page_limit
        self.max_attempts = max(1, max_attempts)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.lookup_batch = lookup_batch
        self.prefetch = prefetch
        self.http = httpx.Client(
            auth=auth,
            verify=verify,
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json"},
        )
        # The SIS's own clock (Date header) at the first answer: the next delta starts from it.
        self.server_time: dt.datetime | None = None
        self.requests_made = 0
        self.retries = 0
        self._count_lock = threading.Lock()  # listings are fetched from several threads at once

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def __enter__(self) -> SisClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport ------------------------------------------------------------------------

    def _request(self, method: str, path: str, *, params: Any = None, json: Any = None) -> Any:
        url = f"{self.base_url}{path}"
        last_problem = ""
        for attempt in range(1, self.max_attempts + 1):
            with self._count_lock:
                self.requests_made += 1
            try:
                # Streamed and joined here, so the body is not kept on the response: httpx's response
                # objects form reference cycles, and with the cyclic collector paused for the import
                # (see sync.run_sync) each page's body would otherwise stay until the next collection.
                with self.http.stream(method, url, params=params, json=json) as response:
                    status = response.status_code
                    if self.server_time is None:
                        self._note_server_time(response)
                    content = b"".join(response.iter_bytes()) if status == 200 else response.read()
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                last_problem = type(exc).__name__
            else:
                if status == 200:
                    wait = getattr(_decoding, "wait", None)
                    if wait is not None:
                        wait()  # a page decoded is many times the size of its bytes: see MergedStreams
                    try:
                        body = json_loads(content)
                    except ValueError:
                        raise SisMalformedPage(f"{path}: the answer is not valid JSON") from None
                    if b"\\u0000" in content:  # JSON can only carry a NUL escaped; PostgreSQL stores none
                        logger.warning("SIS %s %s: NUL characters in the answer were removed", method, path)
                        body = _without_nul(body)
                    return body
                if status not in RETRY_STATUS:
                    raise SisRequestRejected(f"{path}: the SIS answered HTTP {status}")
                last_problem = f"HTTP {status}"
            if attempt < self.max_attempts:
                with self._count_lock:
                    self.retries += 1
                delay = min(self.backoff_base * 2 ** (attempt - 1), self.backoff_max)
                logger.warning("SIS %s %s failed (%s), retry %d in %.2fs", method, path, last_problem, attempt, delay)
                time.sleep(delay)
        raise SisUnavailable(f"{path}: still failing after {self.max_attempts} attempts ({last_problem})")

    def _note_server_time(self, response: httpx.Response) -> None:
        header = response.headers.get("Date")
        if header:
            with contextlib.suppress(TypeError, ValueError):
                self.server_time = email.utils.parsedate_to_datetime(header).astimezone(dt.UTC)

    # -- listings -------------------------------------------------------------------------

    def pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[list[dict[str, Any]]]:
        """Yield the `data` list of every page of a listing; filters go on the first request only.

        With `prefetch`, pages are fetched and decoded in a background thread while the caller
        works on the current one, so the SIS's time to build a page overlaps with ours.
        """
        if not self.prefetch:
            yield from self._pages(path, params)
            return
        merged = MergedStreams([(path, self._pages(path, params))], depth=2, join_timeout=self.http.timeout.read or 60)
        try:
            for _path, page in merged:
                yield page
        finally:
            merged.close()

    def listings(
        self, paths: Iterable[str], *, after: dt.datetime | None, depth: int = 1
    ) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        """Yield (path, page) for every page of `_changed(path, …)` of every path, as they arrive.

        The listings are fetched concurrently, one thread and one request at a time each, but
        together they hold at most `depth` decoded pages that the caller has not taken yet
        (MergedStreams), so memory holds `depth` + 1 decoded pages whatever the size of the SIS and
        however fast each listing comes. Pages of one listing come in their order; pages of
        different listings interleave. One decoded page ahead is enough: the caller's work on a
        page is what takes the time (at 150,000 children with pages of 5,000, fetching took the
        same time with 1 or 3 pages ahead, and peaked at 127 against 161 MB).
        """
        paths = list(paths)
        if not self.prefetch:
            for path in paths:
                for page in self._changed(path, after=after):
                    yield path, page
            return
        sources = [(path, self._changed(path, after=after)) for path in paths]
        merged = MergedStreams(sources, depth=depth, join_timeout=self.http.timeout.read or 60)
        try:
            yield from merged
        finally:
            merged.close()

    def _pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[list[dict[str, Any]]]:
        first: dict[str, Any] = dict(params or {})
        limit = max(1, self.page_limit // PAGE_DIVISOR.get(path, 1)) if self.page_limit else None
        if limit:
            first["limit"] = limit
        query: dict[str, Any] = first
        seen_tokens: set[str] = set()
        page_no = 0
        while True:
            page_no += 1
            body = self._request("GET", path, params=query)
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                raise SisMalformedPage(f"{path}: page {page_no} has no data list")
            for item in body["data"]:
                if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                    raise SisMalformedPage(f"{path}: page {page_no} has an entry without an id")
            token = body.get("pageToken")
            # Handed over without a reference left in this frame: a generator waiting for its next
            # turn would otherwise keep the page alive after the reader is done with it.
            held = [body.pop("data")]
            del body
            yield held.pop()
            if not token:
                return
            if not isinstance(token, str) or token in seen_tokens:
                raise SisMalformedPage(f"{path}: page {page_no} repeats or garbles its page token")
            seen_tokens.add(token)
            # The spec: a page token cannot be combined with other filters, only with limit.
            query = {"pageToken": token}
            if limit:
                query["limit"] = limit

    def _changed(
        self, path: str, *, after: dt.datetime | None, params: dict[str, Any] | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield pages of entities created or modified after `after` (exclusive), or all when None.

        Created and modified are asked for separately and the caller unions them by id, because
        some servers do not set `meta.modified` on creation. No thread of its own: `listings` runs
        each in one.
        """
        if after is None:
            yield from self._pages(path, params)
            return
        stamp = format_timestamp(after)
        yield from self._pages(path, {**(params or {}), "meta.modified.after": stamp})
        yield from self._pages(path, {**(params or {}), "meta.created.after": stamp})

    def deleted_entities(self, *, after: dt.datetime, entities: Iterable[str]) -> dict[str, set[str]]:
        """Return the ids deleted after `after`, per entity list name (spec misspellings mapped)."""
        result: dict[str, set[str]] = {}
        params = {"after": format_timestamp(after), "entities": list(entities)}
        query: dict[str, Any] = dict(params)
        if self.page_limit:
            query["limit"] = self.page_limit
        seen: set[str] = set()
        while True:
            body = self._request("GET", "/deletedEntities", params=query)
            if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
                raise SisMalformedPage("/deletedEntities: page has no data object")
            for key, ids in body["data"].items():
                if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                    raise SisMalformedPage("/deletedEntities: a list of ids is not a list of strings")
                result.setdefault(KNOWN_MISSPELLINGS.get(key, key), set()).update(ids)
            token = body.get("pageToken")
            if not token:
                return result
            if not isinstance(token, str) or token in seen:
                raise SisMalformedPage("/deletedEntities: repeated page token")
            seen.add(token)
            query = {"pageToken": token}
            if self.page_limit:
                query["limit"] = self.page_limit

    def lookup(self, path: str, ids: Iterable[str], *, key: str = "ids") -> Iterator[dict[str, Any]]:
        """Yield entities fetched by id through POST `<path>/lookup`, in batches."""
        pending = sorted(set(ids))
        for start in range(0, len(pending), self.lookup_batch):
            batch = pending[start : start + self.lookup_batch]
            body = self._request("POST", f"{path}/lookup", json={key: batch})
            if not isinstance(body, list):
                raise SisMalformedPage(f"{path}/lookup: the answer is not a list")
            for item in body:
                if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                    raise SisMalformedPage(f"{path}/lookup: an entry has no id")
                yield item


class _Stopped(Exception):
    """Raised in a fetching thread waiting to decode when the reader has stopped."""


class MergedStreams:
    """Pages from several generators, each run in a background thread, in the order they arrive.

    Every thread requests its next page as soon as it has handed over the previous one, so the
    SIS answers one request per listing at a time, all listings at once. A semaphore of `depth`
    permits is taken after an answer has arrived and before it is decoded (`SisClient._request`
    waits for it), and given back when the reader takes that page: at most `depth` decoded pages
    are held between the threads and the reader, while the answers waiting to be decoded stay as
    bytes (a page of persons decoded takes several times its size in bytes, and groups with their
    memberships more). An exception in a thread is raised in the reader, and stops the other
    threads.
    """

    def __init__(
        self, sources: list[tuple[str, Iterator[list[dict[str, Any]]]]], *, depth: int, join_timeout: float = 60
    ) -> None:
        self._queue: queue.SimpleQueue[tuple[str, str, Any]] = queue.SimpleQueue()
        self._permits = threading.Semaphore(max(1, depth))
        self._stop = threading.Event()
        self._join_timeout = join_timeout
        self._threads = [
            threading.Thread(target=self._run, args=(name, source), name=f"sis-fetch{name}", daemon=True)
            for name, source in sources
        ]
        for thread in self._threads:
            thread.start()

    def _wait_to_decode(self) -> None:
        while not self._permits.acquire(timeout=0.1):
            if self._stop.is_set():
                raise _Stopped
        if self._stop.is_set():
            self._permits.release()
            raise _Stopped

    def _run(self, name: str, source: Iterator[list[dict[str, Any]]]) -> None:
        _decoding.wait = self._wait_to_decode
        try:
            while True:
                try:  # no reference kept here while the next page is fetched
                    self._queue.put(("page", name, next(source)))
                except StopIteration:
                    break
            self._queue.put(("done", name, None))
        except _Stopped:
            pass
        except BaseException as exc:  # handed to the reading thread, which raises it
            self._queue.put(("error", name, exc))
        finally:
            _decoding.wait = None
            source.close()

    def __iter__(self) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        running = len(self._threads)
        try:
            while running:
                kind, name, value = self._queue.get()
                if kind == "page":
                    self._permits.release()
                    yield name, value
                    value = None  # not kept while waiting for the next page
                elif kind == "done":
                    running -= 1
                else:
                    raise value
        finally:
            self.close()

    def close(self) -> None:
        """Stop the background threads (each finishes the request it is in)."""
        self._stop.set()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=self._join_timeout)
