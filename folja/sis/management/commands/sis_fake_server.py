"""manage.py sis_fake_server: serve a synthetic SS 12000 municipality for development and benchmarks."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from folja.sis.fake.server import FakeSis
from folja.sis.fake.world import FakeWorld


class Command(BaseCommand):
    help = "Serve a fake SS 12000 SIS with synthetic data (never real persons)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8700)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--children", type=int, default=600)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--max-page", type=int, default=1000)
        parser.add_argument("--client-id", default=None, help="require OAuth2 client credentials")
        parser.add_argument("--client-secret", default=None)
        parser.add_argument(
            "--newcomers-every",
            type=int,
            default=0,
            help="every n-th child newly arrived: temporary, reserve and coordination numbers (0: none)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        world = FakeWorld(
            children=options["children"], seed=options["seed"], newcomers_every=options["newcomers_every"]
        )
        server = FakeSis(
            world,
            host=options["host"],
            port=options["port"],
            max_page=options["max_page"],
            client_id=options["client_id"],
            client_secret=options["client_secret"],
        )
        # Serialise everything before announcing the server: a benchmark then measures the importer,
        # not this harness (which shares the machine's cores with it).
        server.prebuild()
        self.stdout.write(
            f"fake SIS on {server.base_url}: {world.n_children} children, {world.n_guardians} guardians, "
            f"{world.n_staff} staff, {world.n_units} units (token endpoint {server.token_url})"
        )
        server.start()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            server.stop()
