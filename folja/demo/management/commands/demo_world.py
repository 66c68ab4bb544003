"""Build the demo municipality: `manage.py demo_world [--children N] [--seed S] [--json] [--reset]`.

Without --reset an existing demo world is described (its personas printed), not built again.
"""

from __future__ import annotations

import json
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.db import transaction

from folja.demo.builder import build_world
from folja.demo.contacts import build_demo_contacts
from folja.demo.learninglog import build_learning_log
from folja.demo.notices import build_demo_action_notices, build_demo_notices
from folja.demo.personas import persona_rows
from folja.demo.plan import MIN_CHILDREN, NOTES
from folja.demo.reads import build_demo_reads
from folja.demo.reset import reset_world
from folja.demo.retention import build_demo_retention
from folja.demo.talks import build_demo_talks
from folja.demo.transitions import build_demo_transitions
from folja.demo.voice import build_demo_voice
from folja.directory.models import Person


class Command(BaseCommand):
    help = "Build the fictitious demo municipality (Exempelby kommun) with children, guardians and staff."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--children", type=int, default=120, help="number of children (default 120)")
        parser.add_argument("--seed", type=int, default=1, help="random seed; the same seed gives the same world")
        parser.add_argument(
            "--json",
            action="store_true",
            help="print only the personas as JSON on stdout (full civic numbers only with FOLJA_DEBUG)",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="first delete all directory data and everything pointing at it (without it, an existing demo world is "
            "only described)",
        )

    def handle(self, *args: object, **options: object) -> None:
        children = int(options["children"])  # type: ignore[arg-type]
        seed = int(options["seed"])  # type: ignore[arg-type]
        as_json = bool(options["json"])
        # With --json, stdout carries only the JSON document; progress goes to stderr.
        progress = self.stderr if as_json else self.stdout
        if children < MIN_CHILDREN:
            raise CommandError(f"--children must be at least {MIN_CHILDREN}")
        # The persons are fictitious, and their full civic numbers are what the test e-ID takes;
        # still, they are printed only in development (FOLJA_DEBUG), never by a production install.
        full_numbers = settings.DEBUG
        if not options["reset"] and Person.objects.exists():
            if not persona_rows(include_civic_number=False):
                raise CommandError(
                    "The database has persons but no demo world. Run with --reset to delete all directory data "
                    "(and the learning log, media and audit rows pointing at it) and build the demo world anew."
                )
            progress.write("The demo world is already built: described as it is (--reset builds it anew).")
        else:
            self._build(children=children, seed=seed, reset=bool(options["reset"]), progress=progress)
        rows = persona_rows(include_civic_number=full_numbers)
        if as_json:
            document = {"notes": NOTES, "personas": rows}
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
        else:
            for row in rows:
                number = row.get("civic_number") or row["masked_civic_number"]
                progress.write(f"  {row['role']:<8} {row['name']:<28} {number:<13} {row['label']}")

    def _build(self, *, children: int, seed: int, reset: bool, progress: OutputWrapper) -> None:
        started = time.monotonic()
        with transaction.atomic():
            if reset:
                reset_world()
                progress.write(f"Reset done in {time.monotonic() - started:.1f} s")
            world = build_world(children=children, seed=seed)
            progress.write(
                f"Built Exempelby kommun: {children} children, {len(world.units)} units, "
                f"{len(world.groups)} groups in {time.monotonic() - started:.1f} s"
            )
            named = build_demo_contacts(world)
            progress.write(f"The principal connected a foster parent to {named} and gave a special educator access")
            build_learning_log(world, seed=seed)
            progress.write(f"Added demo learning log posts ({time.monotonic() - started:.1f} s)")
            talks = build_demo_talks(world, seed=seed)
            progress.write(f"Added {talks} development talks ({time.monotonic() - started:.1f} s)")
            build_demo_transitions(world, seed=seed)
            progress.write("Published terms of use; the moved child's guardians consented to sharing")
            read = build_demo_reads(world)
            progress.write(f'Staff read {read} of the last week\'s posts today ("Vem har läst")')
            told = build_demo_retention(world)
            progress.write(
                f"Adopted the retention rules; the guardians of {told} children were told what is culled soon"
            )
            voice = build_demo_voice(world)
            progress.write(
                "The pupil's voice: a QR code ready, {reflections} reflection waiting for approval, "
                '{markers} photo marked "don\'t show", {talks} talk part prepared'.format(**voice)
                if voice
                else "No pupil persona"
            )
            unread = build_demo_notices(world)
            progress.write(f"Families have {unread} unread notices of the last days' posts")
            kinds = build_demo_action_notices(world)
            progress.write("Notices that ask for action: " + ", ".join(f"{k} {n}" for k, n in kinds.items()))
