"""Send the weekly "Barn att uppmärksamma" notices to staff (run by cron, e.g. Mondays at 07.00).

    manage.py notices_attention             # in this process
    manage.py notices_attention --enqueue   # as a task for the task workers

A rerun in the same week tells no one twice (learninglog/attention.py).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from folja.learninglog import attention


class Command(BaseCommand):
    help = 'Tell staff, per group of theirs, how many children were not documented lately ("Barn att uppmärksamma").'

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--enqueue", action="store_true", help="hand the work to the task workers")

    def handle(self, *args: object, **options: object) -> None:
        if options["enqueue"]:
            from folja.learninglog.tasks import tell_children_to_notice

            tell_children_to_notice.enqueue()
            self.stdout.write("Enqueued the weekly notices.")
            return
        stored = attention.tell_children_to_notice()
        self.stdout.write(f"Notices stored: {stored}")
