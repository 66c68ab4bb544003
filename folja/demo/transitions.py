"""Demo data for transitions: published default terms, most guardians' acceptance, the moved child's consent."""

from __future__ import annotations

import random

from django.utils import timezone

from folja.directory.models import Guardianship, Placement, RelationType
from folja.pages.transitions.actions import terms_publish_default
from folja.transitions.models import TermsDecision, TransitionConsent


def build_demo_transitions(world: object, *, seed: int) -> None:
    """Publish the default terms; most guardians have accepted them (the personas have not, so the
    demo shows the terms first); the guardians of the child who moved to förskoleklass said yes."""
    rng = random.Random(seed * 31337 + 5)
    terms = terms_publish_default()
    now = timezone.now()
    persona_ids = {p.pk for p in world.personas.values()}
    guardian_ids = sorted(
        set(
            Guardianship.objects.filter(relation_type=RelationType.GUARDIAN, organisation=world.organisation)
            .values_list("responsible_id", flat=True)
            .distinct()
        )
    )
    TermsDecision.objects.bulk_create(
        [
            TermsDecision(guardian_id=g, terms=terms, accepted=True, decided_at=now)
            for g in guardian_ids
            if g not in persona_ids and rng.random() < 0.85
        ],
        batch_size=2000,
    )
    moved_guardian = world.personas.get("guardian_moved_child")
    if moved_guardian is None:
        return
    children = Guardianship.objects.filter(responsible=moved_guardian, relation_type=RelationType.GUARDIAN).values_list(
        "child_id", flat=True
    )
    moved = Placement.objects.filter(child_id__in=children, school_type="FKLASS").values_list("child_id", flat=True)
    for child_id in moved:
        for guardian_id in Guardianship.objects.filter(
            child_id=child_id, relation_type=RelationType.GUARDIAN
        ).values_list("responsible_id", flat=True):
            TransitionConsent.objects.create(
                child_id=child_id, guardian_id=guardian_id, allowed=True, answered_at=now, is_current=True
            )
