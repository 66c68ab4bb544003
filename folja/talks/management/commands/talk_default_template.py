"""Create the built-in talk templates for every organisation (huvudman): one per school type its
units serve (förskola, förskoleklass, skola, fritidshem)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from folja.directory.models import Organisation, OrganisationType
from folja.talks.templates import default_talk_templates


class Command(BaseCommand):
    help = "Create the built-in talk templates for each huvudman, per school type of its units (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        units = Organisation.objects.filter(organisation_type=OrganisationType.SKOLENHET)
        served: dict[int, set[str]] = {}
        for organisation_id, school_types in units.values_list("organisation_id", "school_types"):
            served.setdefault(organisation_id, set()).update(school_types or [])
        for organisation in Organisation.objects.filter(organisation_type=OrganisationType.HUVUDMAN):
            templates = default_talk_templates(organisation, sorted(served.get(organisation.pk, set())))
            self.stdout.write(f"{organisation.display_name}: {', '.join(t.name for t in templates)}")
