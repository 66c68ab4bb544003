"""manage.py sis_sync: import organisations, persons and relationships from an SS 12000 SIS."""

from __future__ import annotations

import json
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext

from folja.directory.models import Organisation, OrganisationType
from folja.sis.auth import ApiKeyAuth, OAuth2ClientCredentials, SisAuthError, mtls_context
from folja.sis.client import SisClient
from folja.sis.models import RECORD_LABELS, SisConnection, error_label
from folja.sis.sync import run_sync

OPTIONS = {
    "base_url": "FOLJA_SIS_BASE_URL",
    "token_url": "FOLJA_SIS_TOKEN_URL",
    "client_id": "FOLJA_SIS_CLIENT_ID",
    "client_secret": "FOLJA_SIS_CLIENT_SECRET",
    "api_key_header": "FOLJA_SIS_API_KEY_HEADER",
    "api_key": "FOLJA_SIS_API_KEY",
    "client_cert": "FOLJA_SIS_CLIENT_CERT",
    "client_key": "FOLJA_SIS_CLIENT_KEY",
    "organisation": "FOLJA_SIS_ORGANISATION",
}


class Command(BaseCommand):
    help = "Import from the municipality's SIS through SS 12000 (delta by default; --full reconciles)."

    def add_arguments(self, parser: CommandParser) -> None:
        for name, env_name in OPTIONS.items():
            parser.add_argument(f"--{name.replace('_', '-')}", default=None, help=f"(env {env_name})")
        parser.add_argument("--full", action="store_true", help="fetch everything and end what the SIS no longer has")
        parser.add_argument("--dry-run", action="store_true", help="compute the report without writing")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument("--page-limit", type=int, default=int(os.environ.get("FOLJA_SIS_PAGE_LIMIT", "1000")))

    def handle(self, *args: Any, **options: Any) -> None:
        for name, env_name in OPTIONS.items():
            if options[name] is None:
                options[name] = os.environ.get(env_name) or None
        if not options["base_url"]:
            raise CommandError("--base-url (or FOLJA_SIS_BASE_URL) is required")
        organisation = self._organisation(options["organisation"])
        try:
            auth, verify = self._auth(options)
        except SisAuthError as exc:
            raise CommandError(error_label(exc.code, str(exc))) from None
        connection = SisConnection.objects.filter(organisation=organisation, base_url=options["base_url"]).first()
        with SisClient(options["base_url"], auth=auth, verify=verify, page_limit=options["page_limit"]) as client:
            result = run_sync(
                organisation=organisation,
                client=client,
                full=options["full"],
                dry_run=options["dry_run"],
                connection=connection,
                progress=None if options["json"] else lambda message: self.stderr.write(f"… {message}"),
                own_process=True,  # a process of its own: the import may tune it (glibc, the collector)
            )
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(f"{result.mode} {result.status} in {result.duration_seconds:.1f}s")
            for entity, counts in result.counts.items():
                self.stdout.write(f"  {entity}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
            for code, count in result.warnings.items():
                self.stdout.write(f"  warning {code}: {count}")
            for code, sis_ids in result.records.items():
                # SIS ids only: the records to correct in the SIS (never a value such as the number).
                self.stdout.write(f"  {RECORD_LABELS.get(code, code)}: " + ", ".join(sis_ids))
        if result.status != "succeeded":
            # One line, in the reader's language; the detail names paths and statuses, never a secret.
            raise CommandError(error_label(result.error_code, result.error) or gettext("Importen misslyckades."))

    def _organisation(self, code: str | None) -> Organisation:
        huvudmen = Organisation.objects.filter(organisation_type=OrganisationType.HUVUDMAN)
        if code:
            match = huvudmen.filter(organisation_code=code) | huvudmen.filter(organisation_number=code)
            match = match | huvudmen.filter(sis_id=code)
            found = list(match.distinct()[:2])
        else:
            found = list(huvudmen[:2])
        if len(found) != 1:
            raise CommandError("name exactly one huvudman with --organisation (organisation code, number or SIS id)")
        return found[0]

    def _auth(self, options: dict[str, Any]) -> tuple[Any, Any]:
        verify: Any = True
        if options["client_cert"]:
            verify = mtls_context(cert_path=options["client_cert"], key_path=options["client_key"])
        if options["token_url"]:
            if not (options["client_id"] and options["client_secret"]):
                raise CommandError("--token-url needs --client-id and --client-secret")
            auth = OAuth2ClientCredentials(
                token_url=options["token_url"], client_id=options["client_id"], client_secret=options["client_secret"]
            )
            return auth, verify
        if options["api_key"]:
            return ApiKeyAuth(header=options["api_key_header"] or "X-API-Key", key=options["api_key"]), verify
        return None, verify
