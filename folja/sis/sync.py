"""Run one import from a SIS: fetch everything into a spool on disk, then apply it in one transaction.

Nothing is written to the directory until every page has been fetched and checked, so a SIS
that fails half-way (after bounded retries) or sends a malformed page leaves the previous state
intact, and the next run completes the work. A dry run applies inside a transaction that is then
rolled back, so its report is exactly what a real run would have done.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import gc
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.utils import timezone

from folja.core.dates import today as local_today
from folja.directory.models import Organisation
from folja.sis.apply import Applier
from folja.sis.client import SisClient, SisError, parse_timestamp
from folja.sis.models import RunMode, RunStatus, SisConnection, SyncRun
from folja.sis.staging import Staging

logger = logging.getLogger(__name__)

DEFAULT_OVERLAP = dt.timedelta(minutes=10)
DELETED_ENTITY_TYPES = ("Organisation", "Person", "Group", "Placement", "Duty")


class _DryRunRollback(Exception):
    pass


@dataclass
class SyncResult:
    """What a run did: the report fields as plain data (also stored in SyncRun)."""

    mode: str
    dry_run: bool
    status: str = RunStatus.RUNNING
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)
    error: str = ""
    error_code: str = ""
    # Warning code -> SIS ids of the records concerned (Warnings.records): what to correct in the SIS.
    records: dict[str, list[str]] = field(default_factory=dict)
    duration_seconds: float = 0.0
    fetched: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    server_time: dt.datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data (counts and codes only, never personal data)."""
        return {
            "mode": self.mode,
            "dry_run": self.dry_run,
            "status": self.status,
            "counts": self.counts,
            "warnings": self.warnings,
            "error": self.error,
            "error_code": self.error_code,
            "records": self.records,
            "duration_seconds": round(self.duration_seconds, 3),
            "fetched": self.fetched,
            "requests": self.requests,
        }


def fetch_staging(
    client: SisClient, *, since: dt.datetime | None, progress: Callable[[str], None], today: dt.date
) -> Staging:
    """Fetch every entity the import needs (all, or changed since `since`) into a Staging.

    Every page goes to the staging's spool on disk as it arrives; what the apply must know before
    it writes anything is noted on the way (see `Staging`).
    """
    staging = Staging(full=since is None, today=today)
    # The distinct meta timestamps seen (strings; parsed once at the end): the watermark when the
    # SIS sends no Date header (only then are they collected: 1.2 s of a 150,000-child fetch).
    stamps: set[Any] = set()
    stamp = stamps.add

    # All five listings are fetched concurrently, holding a few pages at most between them; each
    # page is noted and spooled as it comes (see Staging), so this loop is short.
    listings = {
        "/organisations": "organisations",
        "/persons": "persons",
        "/groups": "groups",
        "/placements": "placements",
        "/duties": "duties",
    }
    progress("fetching")
    for pages, (path, page) in enumerate(client.listings(listings, after=since), start=1):
        if client.server_time is None:  # set from the first answer's Date header, when it has one
            for item in page:
                meta = item.get("meta")
                if isinstance(meta, dict):
                    stamp(meta.get("modified"))
                    stamp(meta.get("created"))
        staging.add_page(listings[path], page)
        if pages % 25 == 0:
            progress(f"fetching {pages}")
    if since is not None:
        progress("fetching_deletions")
        deleted = client.deleted_entities(after=since, entities=DELETED_ENTITY_TYPES)
        staging.deleted = {key: set(ids) for key, ids in deleted.items()}
        # A delta can reference persons it did not send; fetch the unknown ones in batches so
        # their security marking is checked on their own record, not only on the reference.
        missing = staging.referenced_person_ids() - staging.person_ids
        if missing:
            from folja.directory.models import PersonSisId

            known: set[str] = set()
            pending = list(missing)
            for start in range(0, len(pending), 5000):
                known.update(
                    PersonSisId.objects.filter(sis_id__in=pending[start : start + 5000]).values_list(
                        "sis_id", flat=True
                    )
                )
            unknown = missing - known
            if unknown:
                progress("lookup")
                found = list(client.lookup("/persons", unknown))
                if found:
                    staging.add_page("persons", found)
    parsed = [stamp for stamp in map(parse_timestamp, stamps) if stamp is not None]
    staging.newest_timestamp = max(parsed, default=None)  # type: ignore[attr-defined]
    return staging


# glibc's mallopt parameter for the size from which an allocation gets its own memory map.
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 1 << 20


def fix_mmap_threshold() -> bool:
    """Keep glibc from moving large allocations into its heap, where they fragment it (glibc only).

    A page of persons arrives as a body of a few megabytes. glibc gives such a block a memory map of
    its own and unmaps it when freed, but raises its threshold for doing so to the size of every
    mapped block freed: after the first few pages every body was carved out of the heap, and the
    heap, fragmented by the small objects made in between, grew with every page and was never given
    back (measured at 150,000 children: 295 MB at the end of the fetch, 177 MB with the threshold
    fixed at 1 MB; 188 and 126 MB at 50,000). Setting the threshold turns the raising off for the
    whole process, which costs a few page faults per large block: call it only in a process of the
    import's own (see `run_sync`'s `own_process`). Returns whether it was set.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter is linked with
    except (OSError, AttributeError):
        return False  # no mallopt (macOS): nothing to fix; musl's answers 0
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))


@contextlib.contextmanager
def _no_cyclic_gc():
    """Pause the cyclic garbage collector (reference counting still frees everything).

    The apply holds hundreds of thousands of staged tuples; every full collection walks all of
    them. The staged records hold no reference cycles. The collector is the whole process's: used
    only in a process of the import's own (see `run_sync`'s `own_process`).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _ProgressChannel:
    """Writes a run's progress where an organisation admin can read it while the run goes on.

    Outside the apply, through the run's own connection (autocommit). During the apply, a write
    through that connection would stay invisible until the commit, and would hold a lock on the
    run's row; on PostgreSQL progress then goes through a connection of its own, in autocommit.
    SQLite allows one writer at a time, so there the apply's steps are not written (the steps
    before and after are).
    """

    def __init__(self, run: SyncRun) -> None:
        self.run = run
        self.inside = False
        self.failed = False
        self.connection: Any = None

    @contextlib.contextmanager
    def applying(self):
        self.inside = True
        try:
            yield
        finally:
            self.inside = False

    def write(self, progress: str) -> None:
        if not self.inside:
            SyncRun.objects.filter(pk=self.run.pk).update(progress=progress)
            return
        if connection.vendor != "postgresql":
            return
        if self.failed:
            return
        try:
            if self.connection is None:
                self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
                with self.connection.cursor() as cursor:
                    # Never wait for the apply's own locks: the apply would be waiting for us.
                    cursor.execute("SET lock_timeout = '1s'")
            with self.connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {connection.ops.quote_name(SyncRun._meta.db_table)} SET progress = %s WHERE id = %s",  # noqa: S608 - the model's table
                    [progress, self.run.pk],
                )
        except DatabaseError:
            # Progress is a courtesy: failing to show it must not stop or slow the import.
            self.failed = True
            logger.warning("SIS sync: progress could not be written during the apply", exc_info=True)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def record_failure(
    *, organisation: Organisation, connection: SisConnection | None, full: bool, error: SisError
) -> SyncResult:
    """Store a failed run for an import that could not start (its secret or certificate missing).

    The reason is kept as for a run that failed on the way (`error_code`, `error`), so that the
    admin's list of runs shows it; the error is logged with the connection, never the secret.
    """
    mode = RunMode.FULL if full or connection is None or connection.last_delta_at is None else RunMode.DELTA
    result = SyncResult(mode=mode, dry_run=False, status=RunStatus.FAILED, error=str(error), error_code=error.code)
    SyncRun.objects.create(
        connection=connection,
        organisation=organisation,
        mode=mode,
        status=result.status,
        error=result.error,
        error_code=result.error_code,
        finished_at=timezone.now(),
        duration_seconds=0.0,
    )
    logger.error(
        "SIS sync of connection %s could not start: %s: %s", connection.pk if connection else "-", error.code, error
    )
    return result


def run_sync(
    *,
    organisation: Organisation,
    client: SisClient,
    full: bool = False,
    dry_run: bool = False,
    connection: SisConnection | None = None,
    since: dt.datetime | None = None,
    overlap: dt.timedelta = DEFAULT_OVERLAP,
    progress: Callable[[str], None] | None = None,
    own_process: bool = True,
) -> SyncResult:
    """Import from the SIS into the organisation's directory and record a SyncRun report.

    `since` is the SIS's own time at the start of the last successful run (from the connection
    when not given); a delta asks for changes after `since - overlap`, so clock skew and
    late commits on the SIS side cannot make us miss a change. No `since` means a full run.

    `own_process`: the process runs nothing but this import (`manage.py sis_sync`, the task's
    child process in `folja.sis.process`, the benchmark), so the import may tune it as a whole:
    glibc's mmap threshold is fixed for good and the cyclic garbage collector is paused while it
    runs. Pass False anywhere else (a process that serves other work): the import then runs
    without either, using more memory and time.
    """
    if since is None and connection is not None and not full:
        since = connection.last_delta_at
    mode = RunMode.FULL if full or since is None else RunMode.DELTA
    result = SyncResult(mode=mode, dry_run=dry_run)
    run = SyncRun.objects.create(connection=connection, organisation=organisation, mode=mode, dry_run=dry_run)
    started = time.monotonic()

    side = _ProgressChannel(run)

    def report(message: str) -> None:
        run.progress = message[:200]
        side.write(run.progress)
        if progress:
            progress(message)

    staging: Staging | None = None
    if own_process:
        fix_mmap_threshold()
    try:
        day = local_today()
        after = since - overlap if mode == RunMode.DELTA and since is not None else None
        with _no_cyclic_gc() if own_process else contextlib.nullcontext():
            # Paused while fetching too: decoding a page makes tens of thousands of containers, and
            # the collections they set off would walk every page in flight and the whole heap,
            # over and over (3-14 times the decoding itself). The client keeps no body in httpx's
            # cyclic garbage, so what the pause leaves uncollected is a few small objects a request.
            staging = fetch_staging(client, since=after, progress=report, today=day)
            logger.info("SIS sync: fetched, %d MB spooled; applying", staging.spool.size // 2**20)
            report("applying")
            applier = Applier(organisation=organisation, staging=staging, today=day, progress=report)
            try:
                # Foreign keys stay deferred (Django's default) and PostgreSQL checks them at COMMIT;
                # the former SET CONSTRAINTS ALL IMMEDIATE was no faster (see docs/sis.md, Benchmark).
                with transaction.atomic(), side.applying():
                    result.counts = applier.run()
                    result.fetched = dict(staging.fetched)
                    if dry_run:
                        raise _DryRunRollback
                    report("committing")
            except _DryRunRollback:
                pass
        report("committed")
        result.status = RunStatus.SUCCEEDED
    except SisError as exc:
        # Our own messages: paths, HTTP statuses and exception classes, never data or secrets.
        result.status = RunStatus.FAILED
        result.error = str(exc)
        result.error_code = exc.code
        logger.error("SIS sync of %s (run %s, %s) failed: %s: %s", client.base_url, run.uuid, mode, exc.code, exc)
    except Exception as exc:
        # Anything else (a database error, a bug) also rolls the apply back; the report says so.
        result.status = RunStatus.FAILED
        result.error = f"internal error: {type(exc).__name__}"
        result.error_code = "internal"
        raise
    finally:
        side.close()
        if staging is not None:
            staging.close()
            result.warnings = dict(sorted(staging.warnings.items()))
            result.records = {code: list(ids) for code, ids in sorted(staging.warnings.records.items())}
        result.duration_seconds = time.monotonic() - started
        result.requests = client.requests_made
        result.server_time = client.server_time
        run.status = result.status
        run.counts = result.counts
        run.warnings = result.warnings
        run.error = result.error
        run.error_code = result.error_code
        run.records = result.records
        run.duration_seconds = result.duration_seconds
        run.finished_at = timezone.now()
        run.progress = "" if result.status == RunStatus.SUCCEEDED else run.progress
        run.save()
    if result.status == RunStatus.SUCCEEDED and not dry_run and connection is not None:
        # The next delta starts from the SIS's clock at this run's first answer; without a Date
        # header, from the newest timestamp the SIS itself gave us.
        watermark = client.server_time or getattr(staging, "newest_timestamp", None) or since
        updates = {"last_delta_at": watermark}
        if mode == RunMode.FULL:
            updates["last_full_at"] = timezone.now()
        SisConnection.objects.filter(pk=connection.pk).update(**updates)
        for name, value in updates.items():
            setattr(connection, name, value)
    return result
