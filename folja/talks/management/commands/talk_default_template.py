"""Create the default talk template for every organisation (huvudman) that has none."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from folja.directory.models import Organisation, OrganisationType
from folja.talks.templates import default_talk_template


class Command(BaseCommand):
    help = "Create the default Swedish talk template for each huvudman (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        for organisation in Organisation.objects.filter(organisation_type=OrganisationType.HUVUDMAN):
            template = default_talk_template(organisation)
            self.stdout.write(f"{organisation.display_name}: {template.name}")
