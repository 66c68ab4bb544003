"""The child's own voice in the demo world (issue 29): the pupil persona has a QR code ready (its
link is printed in the personas list), a reflection waiting for the teacher's approval, a
"don't show" marker on a group photo, and their own part of the coming development talk partly
answered (a draft, not handed in yet)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from folja.access import assurance
from folja.access.roles import Role, Viewer
from folja.accounts.models import PupilCode
from folja.accounts.pupil.codes import token_hash
from folja.core.dates import term_start
from folja.demo.plan import PERSONA_PREFIX
from folja.directory.models import Duty, DutyAssignment, Person, PersonSisId
from folja.learninglog.actions import child_post_create
from folja.learninglog.models import Post, PostKind, PostStatus
from folja.media.actions import marker_set
from folja.media.models import Media, MediaKind
from folja.talks.actions import answers_save
from folja.talks.models import Part, Talk, TalkStatus
from folja.talks.pupil import has_pupil_part

# The demo's code stays valid this long (a real code: FOLJA_PUPIL_CODE_MINUTES).
DEMO_CODE_DAYS = 30
# The pupil's own part of the talk, partly answered (the school years' template, templates.built_ins).
PUPIL_ANSWERS = {"elev_trivs": 4, "elev_roligt": "Matten och fotbollen på rasten.", "elev_prata": "Att läsa om rymden."}


def demo_pupil_token(pupil: Person) -> str:
    """The demo pupil's QR token, derived from the secret key and the pupil, so that the personas
    list can print its link without the token being stored (demo only)."""
    return salted_hmac("folja.demo.pupil-code", str(pupil.uuid), algorithm="sha256").hexdigest()[:32]


def demo_pupil_code_path(pupil: Person) -> str:
    return reverse("accounts:pupil_code_sign_in", args=[demo_pupil_token(pupil)])


def build_demo_voice(world: object) -> dict[str, int]:
    """Give the pupil persona a QR code, a pending reflection and a marker; return what was made."""
    tag = PersonSisId.objects.filter(sis_id=f"{PERSONA_PREFIX}pupil").select_related("person").first()
    if tag is None:
        return {}
    pupil = tag.person
    made = {"codes": 0, "reflections": 0, "markers": 0, "talks": 0}
    # The pupil's own class teacher first (the one told of what the pupil writes), else anyone at the
    # school who may make a code (the principal).
    class_teachers = set(
        DutyAssignment.objects.active().filter(group__memberships__person=pupil).values_list("duty__person", flat=True)
    )
    duties = Duty.objects.active().filter(school_unit__placements__child=pupil).select_related("person").distinct()
    teacher = next(
        (
            duty.person
            for duty in sorted(duties, key=lambda duty: (duty.person_id not in class_teachers, duty.pk))
            if assurance.may_create_pupil_code(Viewer(duty.person, Role.STAFF), pupil)
        ),
        None,
    )
    if teacher is not None:
        PupilCode.objects.create(
            token_hash=token_hash(demo_pupil_token(pupil)),
            child=pupil,
            created_by=teacher,
            expires_at=timezone.now() + dt.timedelta(days=DEMO_CODE_DAYS),
        )
        made["codes"] = 1
    child = Viewer(pupil, Role.CHILD)
    about = (
        Post.objects.filter(post_children__child=pupil, status=PostStatus.PUBLISHED, deleted_at__isnull=True)
        .order_by("-activity_date", "-pk")
        .first()
    )
    if about is not None:
        child_post_create(actor=child, title="", body="Det var roligast när vi räknade kottar!", reflects_on=about)
        made["reflections"] = 1
    photo = (
        Media.objects.filter(post__post_children__child=pupil, post__kind=PostKind.GROUP, kind=MediaKind.IMAGE)
        .select_related("post")
        .order_by("pk")
        .first()
    )
    if photo is not None:
        marker_set(actor=child, media=photo, child=pupil)
        made["markers"] = 1
    made["talks"] = _prepare_talk(child, teacher)
    return made


def _prepare_talk(child: Viewer, teacher: Person | None) -> int:
    """Answer part of the pupil's own preparation of their coming talk; return 1 when done.

    The demo plans this period's talks in every state; when the pupil's is already held, the
    pupil's next talk (next period, planned) is the one to prepare."""
    pupil = child.person
    talks = list(Talk.objects.filter(child=pupil).select_related("template_version").order_by("-period_start"))
    talk = next((t for t in talks if not t.is_held and has_pupil_part(t)), None)
    if talk is None:
        latest = next((t for t in talks if has_pupil_part(t)), None)
        if latest is None or teacher is None:
            return 0  # no school years' talk: no part for the pupil (preschool, förskoleklass)
        period = term_start(latest.period_start + dt.timedelta(days=190))
        talk = Talk.objects.create(
            organisation=latest.organisation,
            school_unit=latest.school_unit,
            group=latest.group,
            child=pupil,
            template_version=latest.template_version,
            period_start=period,
            activity_date=period + dt.timedelta(days=30),
            status=TalkStatus.PLANNED,
            created_by=teacher,
        )
    answers_save(actor=child, talk=talk, part=Part.PUPIL, answers=PUPIL_ANSWERS)
    return 1
