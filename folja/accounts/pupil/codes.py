"""A pupil's QR code (issue 29): created by a teacher connected to the child, scanned once on one
device, starting one short session as the child. Stored as a keyed hash of the token only.
Who may create or revoke one is `access.assurance.may_create_pupil_code`."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from folja.access.audit import record_action
from folja.access.models import AuditAction
from folja.access.roles import Viewer
from folja.accounts.models import PupilCode
from folja.directory.models import Person

# The session key holding the code a pupil's session was started with (revoking it ends the session).
SESSION_CODE_KEY = "folja_pupil_code"


def token_hash(token: str) -> str:
    return salted_hmac("folja.accounts.pupil-code", token, algorithm="sha256").hexdigest()


def create_pupil_code(*, actor: Viewer, child: Person) -> tuple[PupilCode, str]:
    """Create a QR code for the child; return the row and the token (put in the QR code's URL,
    shown once). The caller has asked `assurance.may_create_pupil_code`. Audited under the child."""
    token = secrets.token_urlsafe(16)  # 128 bits
    with transaction.atomic():
        row = PupilCode.objects.create(
            token_hash=token_hash(token),
            child=child,
            created_by=actor.person,
            expires_at=timezone.now() + dt.timedelta(minutes=settings.FOLJA_PUPIL_CODE_MINUTES),
        )
        record_action(actor, AuditAction.CREATE_PUPIL_CODE, [child.pk], object_type="pupil_code", object_uuid=row.uuid)
    return row, token


def revoke_pupil_code(*, actor: Viewer, code: PupilCode) -> None:
    """Revoke the code: unused, it can no longer be scanned; used, its session ends at the next request."""
    with transaction.atomic():
        if PupilCode.objects.filter(pk=code.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=actor.person
        ):
            record_action(
                actor, AuditAction.REVOKE_PUPIL_CODE, [code.child_id], object_type="pupil_code", object_uuid=code.uuid
            )


def live_code(token: str) -> PupilCode | None:
    """Return the unused, unrevoked, unexpired code of this token (without using it), else None."""
    if not token or len(token) > 64:
        return None
    return (
        PupilCode.objects.filter(
            token_hash=token_hash(token), used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("child")
        .first()
    )


def redeem_pupil_code(token: str) -> PupilCode | None:
    """Use the live code of this token up (once, even when two devices scan together); else None."""
    code = live_code(token)
    if code is None or PupilCode.objects.filter(pk=code.pk, used_at__isnull=True).update(used_at=timezone.now()) != 1:
        return None
    return code


def session_holds(person: Person, code_uuid: str | None) -> bool:
    """Return whether a pupil's session started with this code still holds (asked on every request):
    the code is the person's, used, not revoked, and used less than FOLJA_PUPIL_SESSION_MINUTES ago."""
    if not code_uuid:
        return False
    since = timezone.now() - dt.timedelta(minutes=settings.FOLJA_PUPIL_SESSION_MINUTES)
    try:
        return PupilCode.objects.filter(
            uuid=code_uuid, child=person, revoked_at__isnull=True, used_at__gt=since
        ).exists()
    except (ValueError, TypeError):
        return False


def codes_of(child: Person) -> list[PupilCode]:
    """Return the child's codes still worth listing to staff, newest first: not revoked, and either
    unused and unexpired or used with a session that may still hold."""
    now = timezone.now()
    since = now - dt.timedelta(minutes=settings.FOLJA_PUPIL_SESSION_MINUTES)
    live = Q(used_at__isnull=True, expires_at__gt=now) | Q(used_at__gt=since)
    return list(PupilCode.objects.filter(live, child=child, revoked_at__isnull=True).order_by("-created_at"))
