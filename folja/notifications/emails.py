"""E-mails of notices: multipart text and HTML, one signed unsubscribe link, no photos, no names in the subject."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from folja.directory.models import Person
from folja.notifications.api import site_url

UNSUBSCRIBE_SALT = "folja.notifications.unsubscribe"


def unsubscribe_token(person: Person) -> str:
    """Return a signed token naming the person by uuid: it turns their e-mail off without sign-in."""
    return signing.dumps(str(person.uuid), salt=UNSUBSCRIBE_SALT, compress=True)


def person_uuid_from_token(token: str) -> str | None:
    """Return the person's uuid the token was signed for, or None for a forged or broken token."""
    try:
        return signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None


def unsubscribe_url(person: Person) -> str:
    return site_url() + reverse("notices:unsubscribe", args=[unsubscribe_token(person)])


def render_notice_text(kind: str, context: dict[str, object]) -> tuple[str, str]:
    """Render a notice's subject and text (in the active language)."""
    subject = " ".join(render_to_string(f"notifications/{kind}_subject.txt", context).split())
    return subject, render_notice_body(kind, context)


def render_notice_body(kind: str, context: dict[str, object]) -> str:
    """Render a notice's text alone (a digest's section: the digest has its own subject)."""
    return render_to_string(f"notifications/{kind}.txt", context).strip()


def build_message(
    *,
    person: Person,
    address: str,
    language: str,
    subject: str,
    sections: list[dict[str, str]],
    intro: str = "",
) -> EmailMultiAlternatives:
    """Build one multipart message: `sections` are the notices' texts, each with its link."""
    unsubscribe = unsubscribe_url(person)
    context = {
        "recipient_name": person.given_name,
        "intro": intro,
        "sections": sections,
        "site_url": site_url(),
        "settings_url": site_url() + reverse("notices:settings"),
        "unsubscribe_url": unsubscribe,
    }
    with translation.override(language):
        text = render_to_string("notifications/email/message.txt", context)
        html = render_to_string("notifications/email/message.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[address], from_email=settings.DEFAULT_FROM_EMAIL)
    message.attach_alternative(html, "text/html")
    message.extra_headers.update(
        {
            "Content-Language": language,
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        }
    )
    return message
