"""Notice mails as bytes: Django's message, serialised without the work that repeats from mail to mail.

Django's SMTP backend sends `mail.message().as_bytes(linesep="\\r\\n")`: Python's `email` package
builds the MIME tree (`SafeMIMEMultipart`, two `SafeMIMEText`) and its generator folds every header
with `email.header.Header` and searches each mail's text for a fresh random boundary. For the
nightly digest that was half the time of a mail. `NoticeMail` keeps Django's message and its
bytes, and saves the repeated work:

* the headers that are the same in every mail (`MIME-Version`, `From`, a digest's subject …) are
  folded once (`_RepeatedHeaders`, Python's `compat32` policy, which Django's messages use);
* a digest run uses one boundary (made as `email.generator` makes one) for its mails, checked
  absent from each mail's parts (`emails.assemble_message`);
* with a boundary, the common shape (one recipient, a UTF-8 text part and an HTML part, ASCII
  headers, no line over 998 bytes, no attachment) is written directly as the generator writes it
  (`serialise`): the same headers in the same order, folded by the same policy, the parts in
  8bit (7bit when ASCII) as Django chooses. Anything else takes Django's own path.

`tests/test_compose.py` checks the bytes against Django's `EmailMultiAlternatives.message()`
serialised with `compat32` for a varied sample (and `test_transport.py` sends them to an SMTP server).
"""

from __future__ import annotations

import re
from email.header import Header
from email.policy import Compat32
from email.utils import formatdate, make_msgid

from django.conf import settings
from django.core.mail import DNS_NAME, EmailMultiAlternatives

REPEATED_HEADERS = frozenset(
    {"content-type", "mime-version", "content-transfer-encoding", "subject", "from", "date", "content-language",
     "list-unsubscribe-post", "auto-submitted"}
)  # fmt: skip
_FOLDED: dict[tuple, bytes] = {}
_ENCODED_SUBJECTS: dict[str, str] = {}
_NEWLINES = re.compile(r"\r\n|\r|\n")  # what `email.generator` splits a part's lines at
LINE_LIMIT = 998  # RFC 5322: Django sends a part with a longer line quoted-printable (the generator's path)
_ADDRESS_HEADERS = frozenset({"from", "to", "cc", "bcc", "reply-to", "date", "message-id"})


class _RepeatedHeaders(Compat32):
    """Python's `compat32` policy, remembering the folded form of the headers that are the same in
    every notice mail: folding is a function of the name, the value and the policy's line settings."""

    def fold_binary(self, name: str, value: object) -> bytes:
        if name.lower() not in REPEATED_HEADERS or not isinstance(value, str):
            return super().fold_binary(name, value)
        key = (self.linesep, self.max_line_length, self.cte_type, name, value)  # all that folding reads
        folded = _FOLDED.get(key)
        if folded is None:
            if len(_FOLDED) >= 1024:
                _FOLDED.clear()
            folded = _FOLDED[key] = super().fold_binary(name, value)
        return folded


REPEATED_HEADERS_POLICY = _RepeatedHeaders()


class NoticeMail(EmailMultiAlternatives):
    """A notice mail; `boundary`: the multipart boundary to use (one per digest run), else a new one per mail."""

    boundary: str | None = None

    def message(self):  # noqa: ANN201
        if self.boundary:
            date, message_id = formatdate(localtime=settings.EMAIL_USE_LOCALTIME), make_msgid(domain=DNS_NAME)
            data = serialise(self, date=date, message_id=message_id)
            if data is not None:
                return SerialisedMessage(data, self, date=date, message_id=message_id)
        return self.django_message()

    def django_message(self, *, date: str | None = None, message_id: str | None = None):  # noqa: ANN201
        """Django's message (with this Date and Message-ID when given), serialised with `_RepeatedHeaders`."""
        if date is not None:
            headers = self.extra_headers
            self.extra_headers = {"Date": date, "Message-ID": message_id, **headers}  # where Django puts them
            try:
                message = super().message()
            finally:
                self.extra_headers = headers
        else:
            message = super().message()
        for part in message.walk():
            part.policy = REPEATED_HEADERS_POLICY
        if self.boundary and message.is_multipart():
            message.set_boundary(self.boundary)
        return message


class SerialisedMessage:
    """What `NoticeMail.message()` returns on the direct path: the bytes of Django's message for
    `as_bytes` (what the SMTP, console and file backends call); anything else is asked of Django's
    message itself, with the same Date and Message-ID, built when first needed."""

    def __init__(self, data: bytes, mail: NoticeMail, *, date: str, message_id: str) -> None:
        self._data, self._mail, self._date, self._message_id = data, mail, date, message_id
        self._built = None

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        if unixfrom:
            return self._message().as_bytes(unixfrom, linesep)
        return self._data if linesep == "\n" else self._data.replace(b"\n", linesep.encode("ascii"))

    def _message(self):  # noqa: ANN202
        if self._built is None:
            self._built = self._mail.django_message(date=self._date, message_id=self._message_id)
        return self._built

    def __getattr__(self, name: str) -> object:
        if name.startswith("_"):  # not set yet (a copy being made): never Django's message's private state
            raise AttributeError(name)
        return getattr(self._message(), name)

    def __getitem__(self, name: str) -> object:
        return self._message()[name]

    def __str__(self) -> str:
        return self._message().as_string()


def serialise(mail: NoticeMail, *, date: str, message_id: str) -> bytes | None:
    """The mail as Django's message serialises (`as_bytes()`, "\\n" line ends), or None when it is not
    of the common shape (see the module's doc): then Django builds it."""
    subject = str(mail.subject)
    if (
        (mail.encoding or settings.DEFAULT_CHARSET) != "utf-8"  # as Django tests it (SafeMIMEText.set_payload)
        or "\n" in subject
        or "\r" in subject
        or mail.attachments
        or mail.cc
        or mail.bcc
        or mail.reply_to
        or len(mail.to) != 1
        or not mail.body
        or mail.content_subtype != "plain"
        or mail.alternative_subtype != "alternative"
        or len(mail.alternatives) != 1
        or mail.alternatives[0][1] != "text/html"
        or any(name.lower() in _ADDRESS_HEADERS for name in mail.extra_headers)
    ):
        return None
    headers = [("Subject", _encoded_subject(subject)), ("From", str(mail.from_email))]
    headers += [("To", str(mail.to[0])), ("Date", date), ("Message-ID", message_id)]
    headers += [(name, str(value)) for name, value in mail.extra_headers.items()]
    if not all(value.isascii() and "\n" not in value and "\r" not in value for _name, value in headers):
        return None  # Django encodes or refuses these: its own path
    text, html = _part(mail.body, "plain"), _part(str(mail.alternatives[0][0]), "html")
    if text is None or html is None:
        return None
    policy, boundary = REPEATED_HEADERS_POLICY, mail.boundary.encode("ascii")
    out = [
        policy.fold_binary("Content-Type", f'multipart/alternative; boundary="{mail.boundary}"'),
        policy.fold_binary("MIME-Version", "1.0"),
        *(policy.fold_binary(name, value) for name, value in headers),
        b"\n--", boundary, b"\n", text, b"\n--", boundary, b"\n", html, b"\n--", boundary, b"--\n",
    ]  # fmt: skip
    return b"".join(out)


def _part(content: str, subtype: str) -> bytes | None:
    """A text part as `SafeMIMEText(content, subtype, "utf-8")` serialises, or None when Django would
    encode it otherwise (a line over 998 bytes: quoted-printable) or it is not plain text."""
    try:
        if any(len(line.encode()) > LINE_LIMIT for line in content.splitlines()):  # Django's test
            return None
        body = "\n".join(_NEWLINES.split(content)).encode()
    except UnicodeEncodeError:  # lone surrogates: Django's path
        return None
    policy = REPEATED_HEADERS_POLICY
    return b"".join(
        [
            policy.fold_binary("Content-Type", f'text/{subtype}; charset="utf-8"'),
            policy.fold_binary("MIME-Version", "1.0"),
            policy.fold_binary("Content-Transfer-Encoding", "7bit" if content.isascii() else "8bit"),
            b"\n",
            body,
        ]
    )


def _encoded_subject(subject: str) -> str:
    """The Subject header's value as Django sets it (`Header(...).encode()`, in UTF-8 when not ASCII)."""
    encoded = _ENCODED_SUBJECTS.get(subject)
    if encoded is None:
        if len(_ENCODED_SUBJECTS) >= 1024:
            _ENCODED_SUBJECTS.clear()
        value = Header(subject).encode() if subject.isascii() else Header(subject, "utf-8").encode()
        encoded = _ENCODED_SUBJECTS[subject] = value
    return encoded
