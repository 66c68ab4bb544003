"""One-time codes for guardians without Swedish e-ID: SMS codes and printed enrolment codes.

Codes are stored only as keyed hashes (HMAC-SHA256 under keys derived from FOLJA_SECRET_KEY) and
compared in constant time. Who may get or redeem one is access/assurance.py's rule.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import re
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from folja.access import assurance
from folja.access.audit import record_action
from folja.access.models import AuditAction
from folja.access.roles import Viewer
from folja.accounts.lower.gateways import GatewayError, gateway
from folja.accounts.models import EnrolmentCode, SmsCode
from folja.directory.models import Person

logger = logging.getLogger(__name__)

ENROLMENT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed from paper
ENROLMENT_LENGTH = 12  # 60 bits


class InvalidMobileNumber(ValueError):
    pass


def normalise_mobile(value: str) -> str:
    """Return the number in E.164 ("+46701234567"): Swedish numbers may start with 0, others need
    + or 00 and the country code. The error never repeats the value."""
    digits = re.sub(r"[\s\-().]", "", value or "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif digits.startswith("0"):
        digits = "+46" + digits[1:]
    if not re.fullmatch(r"\+[1-9]\d{7,14}", digits):
        raise InvalidMobileNumber
    return digits


def spellings(e164: str) -> list[str]:
    """Return how the SIS may have written the number, without spaces and hyphens."""
    found = [e164, "00" + e164[1:], e164[1:]]
    if e164.startswith("+46"):
        found.append("0" + e164[3:])
    return found


def number_hash(e164: str) -> str:
    return salted_hmac("folja.accounts.sms-number", e164, algorithm="sha256").hexdigest()


def _code_hash(number: str, code: str) -> str:
    return salted_hmac("folja.accounts.sms-code", f"{number}:{code}", algorithm="sha256").hexdigest()


def send_sms_code(e164: str) -> Person | None:
    """Send a new code to the number when it belongs to a guardian who may sign in by SMS; return
    that person, or None (the caller answers the same either way). Earlier codes to the number die."""
    digest = number_hash(e164)
    persons = list(assurance.guardians_by_mobile(spellings(e164))[:2])
    if len(persons) != 1:  # unknown, or shared by two guardians: no code (we cannot tell who)
        return None
    person = persons[0]
    code = f"{secrets.randbelow(10**6):06d}"
    now = timezone.now()
    with transaction.atomic():
        SmsCode.objects.filter(number_hash=digest, used_at__isnull=True).update(used_at=now)
        SmsCode.objects.create(
            person=person,
            number_hash=digest,
            code_hash=_code_hash(digest, code),
            expires_at=now + dt.timedelta(minutes=settings.FOLJA_SMS_CODE_MINUTES),
        )
    message = _(
        "Din kod för att logga in i Följa är %(code)s. Den gäller i %(minutes)s minuter. Ge den inte till någon."
    ) % {
        "code": code,
        "minutes": settings.FOLJA_SMS_CODE_MINUTES,
    }
    try:
        gateway().send(e164, message)
    except GatewayError as exc:
        logger.warning("sms gateway refused a sign-in code", extra={"error": str(exc)})
    return person


def check_sms_code(digest: str, code: str) -> Person | None:
    """Return the person when `code` is the live code sent to the number (by its hash), and use it up;
    else count a wrong answer (the code dies after FOLJA_SMS_CODE_ATTEMPTS) and return None."""
    now = timezone.now()
    live = (
        SmsCode.objects.filter(
            number_hash=digest,
            used_at__isnull=True,
            expires_at__gt=now,
            attempts__lt=settings.FOLJA_SMS_CODE_ATTEMPTS,
        )
        .select_related("person")
        .order_by("-created_at")
        .first()
    )
    given = _code_hash(digest, re.sub(r"\s", "", code or ""))
    expected = live.code_hash if live is not None else _code_hash(digest, "no code")
    if live is None or not hmac.compare_digest(given, expected):
        if live is not None:
            SmsCode.objects.filter(pk=live.pk).update(attempts=F("attempts") + 1)
        return None
    # Use it up exactly once, even when two answers arrive together.
    if SmsCode.objects.filter(pk=live.pk, used_at__isnull=True).update(used_at=now) != 1:
        return None
    return live.person


def format_enrolment_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _enrolment_hash(code: str) -> str:
    return salted_hmac("folja.accounts.enrolment-code", code, algorithm="sha256").hexdigest()


def create_enrolment_code(*, actor: Viewer, child: Person, guardian: Person) -> tuple[EnrolmentCode, str]:
    """Create a printed code for the guardian of the child; return the row and the code, shown once.

    The caller has asked `assurance.enrolment_guardians` (the staff member is connected to the
    child, the organisation enabled codes, the guardian is the child's Vårdnadshavare). Audited.
    """
    code = "".join(secrets.choice(ENROLMENT_ALPHABET) for _ in range(ENROLMENT_LENGTH))
    row = EnrolmentCode.objects.create(
        code_hash=_enrolment_hash(code),
        guardian=guardian,
        child=child,
        created_by=actor.person,
        expires_at=timezone.now() + dt.timedelta(days=settings.FOLJA_ENROLMENT_CODE_DAYS),
    )
    record_action(
        actor, AuditAction.CREATE_ENROLMENT_CODE, [child.pk], object_type="enrolment_code", object_uuid=row.uuid
    )
    return row, format_enrolment_code(code)


def redeem_enrolment_code(code: str) -> Person | None:
    """Return the guardian a live enrolment code was made for, and use it up; else None."""
    cleaned = re.sub(r"[\s\-]", "", code or "").upper()
    if len(cleaned) != ENROLMENT_LENGTH:
        return None
    now = timezone.now()
    row = (
        EnrolmentCode.objects.filter(code_hash=_enrolment_hash(cleaned), used_at__isnull=True, expires_at__gt=now)
        .select_related("guardian")
        .first()
    )
    if row is None or EnrolmentCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now) != 1:
        return None
    return row.guardian
