"""Writes to the directory that carry a rule of their own (all other directory writes come from the SIS import)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from folja.directory.models import Person
from folja.directory.signals import person_sealed

logger = logging.getLogger(__name__)


@transaction.atomic
def person_seal(*, person: Person, reason: str, source: str) -> bool:
    """Seal a person under R5 at once; return whether they were newly sealed.

    Sealing sets `sealed_at`: the access policy hides a sealed person from every list, group,
    post tag, search and notification, and ends their sessions on the next request. Their rows
    stay (documentation is kept, visible to no one) until the organisation decides. Only the
    organisation can undo it, so a sealed person stays sealed here even if the SIS says otherwise.
    `reason` is a code such as "sis_security_marking"; `source` names the actor or system.
    """
    updated = Person.objects.filter(pk=person.pk, sealed_at__isnull=True).update(sealed_at=timezone.now())
    if updated:
        person.refresh_from_db(fields=["sealed_at"])
        person_id = person.pk
        transaction.on_commit(lambda: person_sealed.send(sender=Person, person_id=person_id))
        # No name, id or civic number in the log: the count per run is in the import report.
        logger.info("person sealed (reason=%s, source=%s)", reason, source)
    return bool(updated)


def person_language_set(*, person: Person, language: str) -> bool:
    """Store the language the person reads Följa in; return whether it changed.

    A code outside settings.LANGUAGES is refused (ValueError): the caller offers only those."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValueError("not an interface language")
    if person.language == language:
        return False
    Person.objects.filter(pk=person.pk).update(language=language)
    person.language = language
    return True
