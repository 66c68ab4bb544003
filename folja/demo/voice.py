"""The child's own voice in the demo world (issue 29): the pupil persona has a QR code ready (its
link is printed in the personas list), a reflection waiting for the teacher's approval, and a
"don't show" marker on a group photo."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from folja.access import assurance
from folja.access.roles import Role, Viewer
from folja.accounts.models import PupilCode
from folja.accounts.pupil.codes import token_hash
from folja.demo.plan import PERSONA_PREFIX
from folja.directory.models import Duty, Person, PersonSisId
from folja.learninglog.actions import child_post_create
from folja.learninglog.models import Post, PostKind, PostStatus
from folja.media.actions import marker_set
from folja.media.models import Media, MediaKind

# The demo's code stays valid this long (a real code: FOLJA_PUPIL_CODE_MINUTES).
DEMO_CODE_DAYS = 30


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
    made = {"codes": 0, "reflections": 0, "markers": 0}
    teacher = next(
        (
            duty.person
            for duty in Duty.objects.active()
            .filter(school_unit__placements__child=pupil)
            .select_related("person")
            .order_by("pk")
            .distinct()
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
    return made
