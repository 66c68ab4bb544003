"""Delete apps' codes and tokens that can no longer be used (run nightly, docs/api-auth.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from folja.oauth.actions import tokens_cull


class Command(BaseCommand):
    help = "Delete expired, spent and revoked OAuth codes and tokens older than --days (default 7)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args: object, **options: object) -> None:
        codes, tokens = tokens_cull(older_than_days=int(options["days"]))
        self.stdout.write(f"deleted {codes} codes and {tokens} tokens")
