"""E-mails of notices: multipart text and HTML, one signed unsubscribe link, no photos, no names in the subject."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from folja.directory.models import Person
from folja.notifications.api import site_url
from folja.notifications.mime import NoticeMail

UNSUBSCRIBE_SALT = "folja.notifications.unsubscribe"


def unsubscribe_signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(person: Person, signer: signing.TimestampSigner | None = None) -> str:
    """Return a signed token naming the person by uuid: it turns their e-mail off without sign-in.

    What `signing.dumps(uuid, salt=UNSUBSCRIBE_SALT, compress=True)` returns; `signer` lets many
    tokens share one `TimestampSigner` (a digest run)."""
    return (signer or unsubscribe_signer()).sign_object(str(person.uuid), compress=True)


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


@dataclass(frozen=True)
class MailLinks:
    """The links every notice mail carries, looked up once (for a digest: once per run)."""

    site: str
    settings: str
    unsubscribe_before: str  # the unsubscribe URL is these around the person's token
    unsubscribe_after: str
    signer: signing.TimestampSigner

    @classmethod
    def now(cls) -> MailLinks:
        site = site_url()
        before, _token, after = reverse("notices:unsubscribe", args=["TOKEN"]).partition("TOKEN")
        return cls(site, site + reverse("notices:settings"), site + before, after, unsubscribe_signer())

    def unsubscribe(self, person: Person) -> str:
        """`unsubscribe_url(person)`: a token of URL-safe characters needs no quoting by `reverse`."""
        token = unsubscribe_token(person, self.signer)
        if not _URL_SAFE.fullmatch(token):
            return unsubscribe_url(person)
        return self.unsubscribe_before + token + self.unsubscribe_after


_URL_SAFE = re.compile(r"[A-Za-z0-9_.:-]+")  # signing's base64 (URL-safe), its separator and compression mark


def message_context(
    *, person: Person, sections: list[dict[str, str]], intro: str = "", links: MailLinks | None = None
) -> dict[str, object]:
    """The context of a message's templates: `sections` are the notices' texts, each with its link."""
    links = links or MailLinks.now()
    return {
        "recipient_name": person.given_name,
        "intro": intro,
        "sections": sections,
        "site_url": links.site,
        "settings_url": links.settings,
        "unsubscribe_url": links.unsubscribe(person),
    }


def render_message_parts(language: str, context: dict[str, object]) -> tuple[str, str]:
    """Render a message's text and HTML parts (`notifications/email/message.{txt,html}`) in `language`."""
    with translation.override(language):
        return (
            render_to_string("notifications/email/message.txt", context),
            render_to_string("notifications/email/message.html", context),
        )


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
    context = message_context(person=person, sections=sections, intro=intro)
    text, html = render_message_parts(language, context)
    unsubscribe = str(context["unsubscribe_url"])
    return assemble_message(
        address=address, language=language, subject=subject, text=text, html=html, unsubscribe=unsubscribe
    )


def assemble_message(
    *, address: str, language: str, subject: str, text: str, html: str, unsubscribe: str, boundary: str | None = None
) -> NoticeMail:
    """The message of rendered parts, with the unsubscribe headers (RFC 8058)."""
    message = NoticeMail(subject=subject, body=text, to=[address], from_email=settings.DEFAULT_FROM_EMAIL)
    message.attach_alternative(html, "text/html")
    message.extra_headers.update(
        {
            "Content-Language": language,
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        }
    )
    if boundary and boundary not in text and boundary not in html:
        message.boundary = boundary
    return message
