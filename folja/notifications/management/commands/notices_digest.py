"""Send the daily or weekly digest of unread notices (run by cron, e.g. daily at 16.00, weekly on Fridays).

    manage.py notices_digest --rhythm daily                  # all recipients, in this process
    manage.py notices_digest --rhythm daily --shards 4 --shard 2   # one part of four (several machines)
    manage.py notices_digest --rhythm daily --shards 4 --enqueue   # four tasks for the task workers

Rerunning it for the same day (or week) sends nothing twice: each digest is claimed in the sent-log.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from folja.notifications import digest
from folja.notifications.models import Rhythm


class Command(BaseCommand):
    help = "Send the digest of unread notices for one rhythm (daily or weekly)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rhythm", choices=[Rhythm.DAILY, Rhythm.WEEKLY], default=Rhythm.DAILY)
        parser.add_argument("--shards", type=int, default=1)
        parser.add_argument("--shard", type=int, default=None, help="send only this part (0 … shards-1)")
        parser.add_argument("--enqueue", action="store_true", help="hand one task per part to the task workers")

    def handle(self, *args: object, **options: object) -> None:
        shards = int(options["shards"])
        if shards < 1 or (options["shard"] is not None and not 0 <= int(options["shard"]) < shards):
            raise CommandError("--shard must be between 0 and --shards - 1")
        parts = [int(options["shard"])] if options["shard"] is not None else list(range(shards))
        if options["enqueue"]:
            from folja.notifications.tasks import send_digests

            for part in parts:
                send_digests.enqueue(str(options["rhythm"]), part, shards)
            self.stdout.write(f"Enqueued {len(parts)} digest task(s).")
            return
        for part in parts:
            counts = digest.send_digests(str(options["rhythm"]), shard=part, shards=shards)
            summary = ", ".join(f"{key}: {value}" for key, value in sorted(counts.items())) or "nothing to send"
            self.stdout.write(f"Part {part + 1} of {shards}: {summary}")
