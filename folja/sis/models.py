"""A connection to a municipality's SIS and the report of every sync run.

Secrets are never stored here: `secret_ref` names where the secret lives (``env:NAME`` or
``file:/path``), so a database dump does not leak SIS credentials. Reports hold counts and
warning codes only, never who (R5: "the import report says how many, never who").
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from folja.directory.models import Organisation


class AuthKind(models.TextChoices):
    OAUTH2 = "oauth2", _("OAuth2 client credentials")
    API_KEY = "api_key", _("API-nyckel i header")
    MTLS = "mtls", _("Klientcertifikat (mTLS)")
    NONE = "none", _("Ingen (endast test)")


class SisConnection(models.Model):
    """How to reach one huvudman's SIS and where the last delta left off."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="sis_connections",
        limit_choices_to={"organisation_type": "Huvudman"},
        verbose_name=_("huvudman"),
    )
    base_url = models.URLField(_("bas-URL"), max_length=300)
    auth_kind = models.CharField(_("autentisering"), max_length=16, choices=AuthKind.choices, default=AuthKind.OAUTH2)
    token_url = models.URLField(_("token-URL"), max_length=300, blank=True)
    client_id = models.CharField(_("klient-id"), max_length=200, blank=True)
    api_key_header = models.CharField(_("header för API-nyckel"), max_length=100, blank=True)
    secret_ref = models.CharField(
        _("referens till hemlighet"),
        max_length=300,
        blank=True,
        help_text=_("env:NAMN eller file:/sökväg – själva hemligheten lagras aldrig i databasen."),
    )
    client_cert_path = models.CharField(_("klientcertifikat (sökväg)"), max_length=300, blank=True)
    client_key_path = models.CharField(_("klientnyckel (sökväg)"), max_length=300, blank=True)
    enabled = models.BooleanField(_("aktiv"), default=True)
    delta_minutes = models.PositiveIntegerField(_("minuter mellan deltaimporter"), default=15)
    full_every_hours = models.PositiveIntegerField(_("timmar mellan fullständiga avstämningar"), default=24)
    # The SIS's own clock at the start of the last successful run (never ours: clock skew).
    last_delta_at = models.DateTimeField(_("senaste lyckade import (SIS-tid)"), null=True, blank=True)
    last_full_at = models.DateTimeField(_("senaste fullständiga avstämning"), null=True, blank=True)

    class Meta:
        verbose_name = _("SIS-koppling")
        verbose_name_plural = _("SIS-kopplingar")
        constraints = [models.UniqueConstraint(fields=["organisation"], name="sisconnection_one_per_huvudman")]

    def __str__(self) -> str:
        return f"{self.organisation} – {self.base_url}"


class RunStatus(models.TextChoices):
    RUNNING = "running", _("pågår")
    SUCCEEDED = "succeeded", _("klar")
    FAILED = "failed", _("misslyckades")


class RunMode(models.TextChoices):
    FULL = "full", _("fullständig")
    DELTA = "delta", _("delta")


# The steps of a run as stored in `SyncRun.progress` ("persons 15000/415000"), with their labels.
PROGRESS_STEPS = {
    "fetching": _("hämtar från SIS"),
    "fetching_deletions": _("hämtar borttagna poster"),
    "lookup": _("slår upp personer som andra poster hänvisar till"),
    "applying": _("börjar spara"),
    "organisations": _("sparar organisationer"),
    "persons": _("sparar personer"),
    "guardianships": _("sparar vårdnadshavare"),
    "groups": _("sparar grupper"),
    "placements": _("sparar placeringar"),
    "memberships": _("sparar gruppmedlemskap"),
    "duties": _("sparar tjänstgöringar"),
    "deletions": _("tar bort personer som SIS har tagit bort"),
    "committing": _("bekräftar ändringarna"),
    "committed": _("sparat"),
}


# Why a run failed, as its person reads it (SyncRun.error_code; the English detail is in `error`).
ERROR_LABELS = {
    "secret_missing": _("SIS-kopplingens hemlighet saknas eller kan inte läsas."),
    "certificate": _("SIS-kopplingens klientcertifikat eller nyckel kan inte läsas."),
    "auth_rejected": _("SIS nekade inloggningen: kontrollera klient-id och hemlighet."),
    "token_unreachable": _("SIS inloggningstjänst (token-URL) går inte att nå."),
    "token_timeout": _("SIS inloggningstjänst (token-URL) svarade inte i tid."),
    "token_failed": _("SIS inloggningstjänst (token-URL) svarade med ett fel."),
    "token_garbage": _("SIS inloggningstjänst (token-URL) svarade inte med någon token."),
    "sis_unavailable": _("SIS svarar inte eller svarar med fel, även efter nya försök."),
    "sis_malformed": _("SIS skickade ett svar som inte följer SS 12000."),
    "sis_rejected": _("SIS nekade en förfrågan."),
    "sis_error": _("Importen från SIS misslyckades."),
    "internal": _("Importen misslyckades på grund av ett internt fel."),
}

# Warnings whose report keeps the SIS ids of the records concerned (SyncRun.records).
RECORD_LABELS = {
    "invalid_civic_number": _("Personnummer i okänd form (personen importerades utan det)"),
    "temporary_civic_number_taken": _("Tillfälligt nummer som någon annan redan har (personen importerades utan det)"),
}


def error_label(code: str, detail: str = "") -> str:
    """Return a run's failure in the reader's language, with the (English, data-free) detail after it."""
    label = ERROR_LABELS.get(code)
    if label is None:
        return detail
    return f"{label} ({detail})" if detail else str(label)


# Steps that report how far they have come ("fetching 25", "persons 15000/415000").
PROGRESS_COUNTED = {
    "fetching": _("hämtar från SIS: %(done)s sidor hittills"),
    "persons": _("sparar personer: %(done)s av %(total)s"),
}


def progress_label(progress: str) -> str:
    """Return a stored progress ("persons 15000/415000") in the reader's language."""
    step, _space, count = progress.partition(" ")
    done, _slash, total = count.partition("/")
    if step in PROGRESS_COUNTED and done.isdigit() and (total.isdigit() or not total):
        done, total = (formats.number_format(int(n), force_grouping=True) if n else n for n in (done, total))
        return str(PROGRESS_COUNTED[step]) % {"done": done, "total": total}
    return str(PROGRESS_STEPS.get(step, progress))


class SyncRun(models.Model):
    """The report of one import: counts per entity and warning codes, no personal data."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    connection = models.ForeignKey(
        SisConnection, on_delete=models.CASCADE, null=True, blank=True, related_name="runs", verbose_name=_("koppling")
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("startad"), auto_now_add=True)
    finished_at = models.DateTimeField(_("klar"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING)
    mode = models.CharField(_("läge"), max_length=8, choices=RunMode.choices)
    dry_run = models.BooleanField(_("provkörning"), default=False)
    # {"persons": {"created": n, "updated": n, "ended": n, "sealed": n, "skipped": n}, ...}
    counts = models.JSONField(_("antal"), default=dict, blank=True)
    # {"unknown_enum:Person.sex": n, "invalid_civic_number": n, ...}: codes and counts only.
    warnings = models.JSONField(_("varningar"), default=dict, blank=True)
    error = models.TextField(_("fel"), blank=True)
    # The kind of failure (ERROR_LABELS), shown translated; "" for a run that did not fail that way.
    error_code = models.CharField(_("felkod"), max_length=32, blank=True)
    # {"invalid_civic_number": [SIS id, ...], ...}: the records to correct in the SIS, by SIS id only
    # (never a value such as the number, never a protected person), at most 100 per code.
    records = models.JSONField(_("poster att rätta i SIS"), default=dict, blank=True)
    duration_seconds = models.FloatField(_("tid (s)"), null=True, blank=True)
    progress = models.CharField(_("förlopp"), max_length=200, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("importkörning")
        verbose_name_plural = _("importkörningar")

    def __str__(self) -> str:
        return f"{self.organisation} {self.started_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def progress_label(self) -> str:
        return progress_label(self.progress)

    @property
    def error_label(self) -> str:
        return error_label(self.error_code, self.error)
