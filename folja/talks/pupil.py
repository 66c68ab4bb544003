"""The pupil's own part of a development talk (`Part.PUPIL`, issue 29, part 1 point 4).

The school years' template has a section the pupil prepares from year 1. A pupil session
(`Role.CHILD`) answers it for its own talks that are still ahead, saves a draft and hands it in
("Lämna till läraren"). Reading goes through `talks/access.py` (`visible_talks` gives a child only
their own talks, `visible_answer_sets` says who reads the part: staff and guardians once handed
in); writing through `talks/actions.py: answers_save`, which asks the rules here.
"""

from __future__ import annotations

import uuid as uuid_module

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from folja.access.roles import Role, Viewer
from folja.talks import access as talk_policy
from folja.talks.models import AnswerSet, Part, Talk, TalkStatus

HELD = (TalkStatus.HELD, TalkStatus.SHARED)


def has_pupil_part(talk: Talk) -> bool:
    """Return whether the talk's template version has the pupil's own part (school years only)."""
    return bool(talk.template_version.questions(Part.PUPIL))


def talks_to_prepare(viewer: Viewer) -> list[Talk]:
    """Return the pupil's own talks still ahead (not held) whose template has the pupil's part,
    soonest first, each with `pupil_started` and `pupil_handed_in`; nothing for any other role."""
    if viewer.role != Role.CHILD:
        return []
    own_part = AnswerSet.objects.filter(talk=OuterRef("pk"), part=Part.PUPIL)
    talks = (
        talk_policy.with_listing_data(talk_policy.visible_talks(viewer))  # R1: a child sees only their own talks
        .filter(child_id=viewer.person_id)
        .exclude(status__in=HELD)
        .select_related("template_version")
        .annotate(
            pupil_started=Exists(own_part),
            pupil_handed_in=Exists(own_part.filter(handed_in_at__isnull=False)),
        )
        .order_by("period_start", "activity_date", "id")
    )
    return [talk for talk in talks if has_pupil_part(talk)]


def get_talk_to_prepare(viewer: Viewer, talk_uuid: uuid_module.UUID | str) -> Talk:
    """Return the pupil's own talk with a pupil part, else raise Http404 (another child's talk,
    a preschool talk without the part, any other role: the same answer as a missing talk)."""
    if viewer.role != Role.CHILD:
        raise Http404
    talk = talk_policy.get_talk_for(viewer, talk_uuid)
    if talk.child_id != viewer.person_id or not has_pupil_part(talk):
        raise Http404
    return talk


def require_answerable(actor: Viewer, talk: Talk, part: str) -> None:
    """Refuse a pupil's write to anything but their own part of their own talk, and after the talk."""
    if part != Part.PUPIL or actor.role != Role.CHILD or talk.child_id != actor.person_id:
        raise PermissionDenied  # a pupil writes neither the guardians' nor the staff's parts
    if not has_pupil_part(talk):
        raise PermissionDenied
    if talk.is_held:
        raise ValidationError(_("Samtalet har redan varit."), code="held")


def hand_in(answer_set: AnswerSet) -> bool:
    """Hand the pupil's part in; return True the first time (it stays handed in when changed later)."""
    if not answer_set.answers:
        raise ValidationError(_("Svara på minst en fråga innan du lämnar till läraren."), code="empty")
    if answer_set.handed_in_at is not None:
        return False
    answer_set.handed_in_at = timezone.now()
    answer_set.save(update_fields=["handed_in_at"])
    return True
