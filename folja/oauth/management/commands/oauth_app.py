"""Register an app that may sign people in (docs/api-auth.md, "How an app registers")."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from folja.oauth import scopes
from folja.oauth.actions import app_register
from folja.oauth.models import ClientType
from folja.oauth.redirects import redirect_uri_problem


class Command(BaseCommand):
    help = "Register an OAuth app: prints its client_id (and a confidential app's secret, once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the app's name, shown to the person on the consent page")
        parser.add_argument("--type", choices=[c.value for c in ClientType], default=ClientType.PUBLIC)
        parser.add_argument("--redirect-uri", action="append", required=True, dest="redirect_uris")
        parser.add_argument("--scopes", default=" ".join(scopes.SCOPES), help="space-separated; default: every scope")

    def handle(self, *args: object, **options: object) -> None:
        for uri in options["redirect_uris"]:
            problem = redirect_uri_problem(uri)
            if problem:
                raise CommandError(f"{uri}: {problem}")
        try:
            registered = app_register(
                name=options["name"],
                client_type=options["type"],
                redirect_uris=options["redirect_uris"],
                allowed_scopes=str(options["scopes"]).split(),
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"client_id: {registered.app.client_id}")
        if registered.client_secret:
            self.stdout.write(f"client_secret (shown once, store it now): {registered.client_secret}")
