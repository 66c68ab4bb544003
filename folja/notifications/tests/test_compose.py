"""The digest's fast composition (compose.py) sends what the templates render, byte for byte.

The reference is the path every other notice mail takes (`emails.build_message`: the message's
templates rendered per mail, each notice's text rendered per notice, Django's message serialised
with Python's `compat32` policy). The digest's mail must equal it in subject, text part, HTML part,
headers and serialised bytes (the Date, the Message-ID and the multipart boundary apart, which
differ from mail to mail anyway) for both languages, every kind, plurals, HTML special characters,
right-to-left names, line breaks and values that are missing.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import random
import re
import uuid
from email.policy import compat32
from unittest import mock

import pytest
import time_machine
from django.core import mail, signing
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.template import engines
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from folja.directory.models import Email, Guardianship, Person, RelationType
from folja.learninglog import notices as post_notices
from folja.notifications import compose, digest, emails, mime
from folja.notifications.delivery import notice_link
from folja.notifications.models import Delivery, Notice, Preference, Rhythm
from folja.testing.cast import build_cast, civic_number

NAMES = [
    "Alva",
    "<b>Ali</b> & 'Bo'",
    "مريم",
    'Zoë "Z" Åkesson',
    "Noa\nNy",
    "Ω & <ω>",
    "李 小龙",
    "Eva\r\nLi",
    "Lo\u2028Ma",
]
UNITS = ["Förskolan Solen", "A & B <skola>", "مدرسة النور", 'Granen / Myran "G"']


def contexts(kind: str, name: str, unit: str, i: int) -> dict[str, object]:
    """A notice's context as the code that tells makes it (learninglog, talks, export, retention …)."""
    path = f"/posts/{uuid.UUID(int=i)}/?a=1&b=<2>"
    talk = {"talk_uuid": str(uuid.UUID(int=i)), "child_given_name": name, "path": path}
    return {
        "post_published": {"path": path, "child_given_name": name, "unit": unit},
        "post_changed": {"path": path, "child_given_name": name, "unit": unit},
        "comment_new": {"path": path, "child_given_name": name if i % 4 else "", "unit": unit},
        "talk_booking_changed": {
            "event": ["booked", "rebooked", "withdrawn", "cancelled"][i % 4],
            **talk,
            "starts": "2026-05-04 14:30",
            "minutes": "30",
            "place": unit if i % 2 else "",
            "video": "yes" if i % 3 else "",
            "unit": unit,
        },
        "talk_record_shared": {**talk, "unit": unit},
        "talk_slots_published": {**talk, "unit": unit, "count": 1 + i % 3},
        "talk_preparation_handed_in": {**talk, "joint": bool(i % 2)},
        "export_ready": {"path": path, "child_given_name": name, "expires_at": "2026-05-11T12:00:00+00:00"},
        "culling_ahead": {"path": path, "child_given_name": name, "organisation": unit, "due_by": "2026-06-30"},
        "consent_question": {"path": path, "child_given_name": name, "unit": unit},
        "terms_new": {"path": "/terms/", "organisation": unit if i % 2 else ""},
        "children_to_notice": {"path": path, "group": unit, "count": 1 + i % 3, "weeks": 3 if i % 2 else 0, "days": 10},
    }[kind]


KINDS = [
    "post_published", "post_changed", "comment_new", "talk_booking_changed", "talk_record_shared",
    "talk_slots_published", "talk_preparation_handed_in", "export_ready", "culling_ahead", "consent_question",
    "terms_new", "children_to_notice",
]  # fmt: skip


def sample(n: int) -> list[tuple[Person, str, list[Notice]]]:
    """`n` recipients: both languages, 1–5 notices of every kind (mostly the digest's own), every name."""
    rng = random.Random(26)
    out = []
    for i in range(n):
        person = Person(uuid=uuid.UUID(int=10_000 + i), given_name=NAMES[i % len(NAMES)] + ("" if i % 3 else " Jr"))
        count = 1 + i % 5
        kinds = [KINDS[i % len(KINDS)]] + [rng.choice(KINDS[:3] * 3 + KINDS) for _ in range(count - 1)]
        notices = [
            Notice(kind=kind, context=contexts(kind, rng.choice(NAMES), rng.choice(UNITS), i * 10 + j))
            for j, kind in enumerate(kinds)
        ]
        out.append((person, ["sv", "en"][i % 2], notices))
    return out


def reference(person: Person, language: str, notices: list[Notice]) -> EmailMultiAlternatives:
    """The digest's mail as the templates make it, per mail (the digest before compose.py)."""
    with translation.override(language):
        sections = [{"text": emails.render_notice_body(n.kind, n.context), "link": notice_link(n)} for n in notices]
        subject = ngettext("Nytt i Följa: %(count)d sak", "Nytt i Följa: %(count)d saker", len(notices)) % {
            "count": len(notices)
        }
        intro = _("Det här är nytt i Följa sedan förra sammanfattningen.")
    return emails.build_message(
        person=person, address="a@example.se", language=language, subject=subject, sections=sections, intro=intro
    )


def plain_bytes(message: EmailMultiAlternatives) -> bytes:
    """Serialised as Django serialises any message: its own `message()`, Python's `compat32` policy."""
    return EmailMultiAlternatives.message(message).as_bytes(linesep="\r\n")


def without_per_mail_values(raw: bytes) -> bytes:
    raw = re.sub(rb"^(Date|Message-ID): .*\r\n", b"", raw, flags=re.MULTILINE)
    boundary = re.search(rb'boundary="([^"]+)"', raw).group(1)
    return raw.replace(boundary, b"BOUNDARY")


def fixed_token(person: Person, _signer: object = None) -> str:
    return f"token-{person.uuid}:1x"  # the signed token carries the second it was made: the same in both


@pytest.fixture
def deterministic_tokens():  # noqa: ANN201
    with mock.patch.object(emails, "unsubscribe_token", fixed_token):
        yield


@pytest.mark.usefixtures("deterministic_tokens")
def test_the_digests_mail_is_the_templates_mail_byte_for_byte() -> None:
    composer = compose.Composer()
    for person, language, notices in sample(120):
        preference = Preference(person=person, language=language)
        fast = digest._compose(person, preference, "a@example.se", notices, composer)
        assert isinstance(fast.message(), mime.SerialisedMessage)  # written directly, not by Python's generator
        slow = reference(person, language, notices)
        assert fast.subject == slow.subject
        assert fast.body == slow.body
        assert fast.alternatives == slow.alternatives
        assert fast.extra_headers == slow.extra_headers and fast.to == slow.to and fast.from_email == slow.from_email
        # What an SMTP server receives (django.core.mail.backends.smtp: message().as_bytes(linesep="\r\n")).
        assert without_per_mail_values(fast.message().as_bytes(linesep="\r\n")) == without_per_mail_values(
            plain_bytes(slow)
        )
    # The digest's own kinds were filled, not rendered per notice; the message in each language too.
    assert {key[1] for key, skeleton in composer._bodies.items() if skeleton} == set(compose.FILLED)
    assert len([parts for parts in composer._messages.values() if parts]) == 2


def test_every_filled_kind_splits_in_both_languages() -> None:
    composer = compose.Composer()
    for kind, language in itertools.product(compose.FILLED, ["sv", "en"]):
        context = contexts(kind, "Alva", "Solen", 1)
        assert composer.notice_body(kind, context, language) == reference_body(kind, context, language)
        assert composer._bodies[(language, kind, frozenset(context))] is not None


def reference_body(kind: str, context: dict[str, object], language: str) -> str:
    with translation.override(language):
        return emails.render_notice_body(kind, context)


@pytest.mark.usefixtures("deterministic_tokens")
def test_missing_values_are_rendered_per_mail_and_still_match() -> None:
    person = Person(uuid=uuid.uuid4(), given_name="")  # no given name: the message is rendered per mail
    notices = [Notice(kind="comment_new", context=contexts("comment_new", "", "Solen", 4))]  # no child's name
    composer = compose.Composer()
    fast = digest._compose(person, Preference(language="en"), "a@example.se", notices, composer)
    slow = reference(person, "en", notices)
    assert (fast.body, fast.alternatives) == (slow.body, slow.alternatives)
    assert composer._bodies == {} and composer._messages == {}  # neither split: both rendered as before


def render_string(source: str):  # noqa: ANN201
    template = engines["django"].from_string(source)
    return lambda variant: template.render({"v": compose.marker("v", variant), "w": compose.marker("w", variant)})


@pytest.mark.parametrize(
    ("source", "forms"),
    [
        ("a {{ v }} b {{ w }}", [("v", "escaped"), ("w", "escaped")]),
        ("{% autoescape off %}{{ v }}{% endautoescape %}", [("v", "as is")]),
        ("<p>{{ v|linebreaksbr }}</p>", [("v", "linebreaksbr")]),
        ("{% load i18n %}{% blocktranslate %}Hej {{ v }}!{% endblocktranslate %}", [("v", "escaped")]),
    ],
)
def test_the_split_reads_what_the_template_did_to_each_value(source: str, forms: list[tuple[str, str]]) -> None:
    skeleton = compose.split_checked(render_string(source), ["v", "w"])
    assert [piece for piece in skeleton.pieces if isinstance(piece, tuple)] == forms
    values = {"v": "<Åsa & 'Li'>\nNy", "w": "مريم"}
    assert skeleton.fill(values) == engines["django"].from_string(source).render(values)


@pytest.mark.parametrize(
    "source",
    [
        "{{ v|upper }}",  # a filter the split does not know
        "{{ v|truncatechars:5 }}",  # the marker cut apart
        "{{ v|length }}",  # the value's length: the two sets of markers differ
        "{% if v|length > 10 %}long{% endif %}",  # a test the two sets of markers answer differently
        "{{ v|slice:'3:' }}",
    ],
)
def test_a_template_that_does_more_than_print_a_value_is_rendered_per_mail(source: str) -> None:
    assert compose.split_checked(render_string(source), ["v", "w"]) is None


def test_the_remembered_header_folding_is_pythons() -> None:
    """`_RepeatedHeaders` returns what `compat32` folds, for short, long, encoded and odd values."""
    rng = random.Random(8058)
    words = ["a", "Följa", "=?utf-8?q?Nytt_i_F=C3=B6lja=3A_2_saker?=", "x" * 90, "<https://f.se/u/abc:1x/>", " ", ";"]
    values = ["", " lead", "trail ", "two  spaces", "tab\there", "1.0", "8bit"]
    values += [
        "".join(rng.choice(words) + rng.choice([" ", "", "; "]) for _ in range(rng.randint(1, 12))) for _ in range(300)
    ]
    names = ["Subject", "Content-Type", "From", "Date", "Content-Language", "X-Other"]
    for policy in (mime.REPEATED_HEADERS_POLICY, mime.REPEATED_HEADERS_POLICY.clone(linesep="\r\n")):
        plain = compat32.clone(linesep=policy.linesep)
        for name, value in itertools.product(names, values):
            assert policy.fold_binary(name, value) == plain.fold_binary(name, value)
            assert policy.fold_binary(name, value) == plain.fold_binary(name, value)  # remembered


def test_the_unsubscribe_token_is_the_one_signing_dumps_made() -> None:
    signer = emails.unsubscribe_signer()
    with time_machine.travel(dt.datetime(2026, 5, 4, 16, 0, tzinfo=dt.UTC), tick=False):
        for i in range(50):
            person = Person(uuid=uuid.uuid4() if i else uuid.UUID(int=0))
            token = emails.unsubscribe_token(person, signer)
            assert token == signing.dumps(str(person.uuid), salt=emails.UNSUBSCRIBE_SALT, compress=True)
            assert token == emails.unsubscribe_token(person)
            assert emails.person_uuid_from_token(token) == str(person.uuid)


def test_the_unsubscribe_link_is_the_one_reverse_makes() -> None:
    links = emails.MailLinks.now()
    for i in range(20):
        person = Person(uuid=uuid.UUID(int=i * 7919))
        with mock.patch.object(emails, "unsubscribe_token", return_value=emails.unsubscribe_token(person)):
            assert links.unsubscribe(person) == emails.unsubscribe_url(person)
    odd = Person(uuid=uuid.uuid4())
    with mock.patch.object(emails, "unsubscribe_token", return_value="a b=ö"):  # never signed so: quoted by reverse
        assert links.unsubscribe(odd) == emails.unsubscribe_url(odd) and "a%20b" in links.unsubscribe(odd)


@pytest.mark.usefixtures("deterministic_tokens")
@pytest.mark.parametrize(
    ("change", "direct"),
    [
        ({}, True),
        ({"text": "x" * 999 + "\n"}, False),  # a line over 998 bytes: Django sends the part quoted-printable
        ({"html": "<p>ascii only</p>\n"}, True),  # 7bit
        ({"address": "åsa@exempel.se"}, False),  # Django encodes the address
        ({"subject": "Plain ascii subject"}, True),
        ({"extra": {"Reply-To": "x@example.se"}}, False),
    ],
)
def test_the_direct_bytes_or_djangos_path_the_same_bytes(change: dict, direct: bool) -> None:
    values = {
        "address": "anna@example.se", "subject": "Nytt i Följa: 2 saker", "text": "Hej Anna!\nÖppna i Följa\n",
        "html": "<p>Hej Anna!</p>\n", "extra": {}, **change,
    }  # fmt: skip
    composer = compose.Composer()
    message = emails.assemble_message(
        address=values["address"], language="sv", subject=values["subject"], text=values["text"], html=values["html"],
        unsubscribe="https://f.se/notices/unsubscribe/abc:1x/", boundary=composer.boundary,
    )  # fmt: skip
    message.extra_headers.update(values["extra"])
    built = message.message()
    assert isinstance(built, mime.SerialisedMessage) is direct
    raw = built.as_bytes(linesep="\r\n")
    assert without_per_mail_values(raw) == without_per_mail_values(plain_bytes(message))
    assert built.as_bytes() == raw.replace(b"\r\n", b"\n")
    if direct:  # anything else is Django's own message, with the same Date and Message-ID
        assert built["Message-ID"].encode() in raw and built["Subject"] == message.django_message()["Subject"]
        assert built.as_bytes() == built._message().as_bytes()


def test_a_part_django_cannot_encode_fails_as_in_django() -> None:
    message = emails.assemble_message(
        address="a@example.se", language="sv", subject="s", text="lone \udcff surrogate", html="<p></p>",
        unsubscribe="https://f.se/u/", boundary=compose.Composer().boundary,
    )  # fmt: skip
    with pytest.raises(UnicodeEncodeError):
        message.message()
    with pytest.raises(UnicodeEncodeError):
        EmailMultiAlternatives.message(message)


def test_a_boundary_found_in_a_part_is_not_used() -> None:
    composer = compose.Composer()
    message = emails.assemble_message(
        address="a@example.se", language="sv", subject="s", text=f"--{composer.boundary}\n", html="<p></p>",
        unsubscribe="https://f.se/u/", boundary=composer.boundary,
    )  # fmt: skip
    raw = message.message().as_bytes()
    assert composer.boundary.encode() in raw  # in the text only
    assert f'boundary="{composer.boundary}"'.encode() not in raw


class DigestQueriesTests(TestCase):
    """A chunk costs the same queries whatever the number of recipients in it: nothing per mail."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()

    def run_digest(self) -> tuple[int, int]:
        Notice.objects.update(mailed_at=None)
        Delivery.objects.all().delete()
        mail.outbox.clear()
        at = dt.datetime(2026, 5, 4, 16, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
        with time_machine.travel(at, tick=False), CaptureQueriesContext(connection) as queries:
            counts = digest.send_digests(Rhythm.DAILY)
        assert counts["sent"] == len(mail.outbox)
        return len(queries), len(mail.outbox)

    def test_more_recipients_in_a_chunk_cost_no_more_queries(self) -> None:
        cast = self.cast
        for key in ("blue_group", "alva_individual"):
            post_notices.post_published(cast.posts[key])
        few_queries, few_mails = self.run_digest()
        for i in range(8):
            birth = dt.date(1990, 1, 1 + i)
            guardian = Person.objects.create(
                given_name=NAMES[i % len(NAMES)],
                family_name="Lind",
                birth_date=birth,
                civic_number=civic_number(birth, 900 + i),
            )
            Guardianship.objects.create(
                organisation=cast.org_a,
                child=cast.alva, responsible=guardian, relation_type=RelationType.GUARDIAN,
            )  # fmt: skip
            Email.objects.create(person=guardian, value=f"extra{i}@example.se", type="Privat")
            Preference.objects.create(person=guardian, language=["sv", "en"][i % 2])
        post_notices.post_published(cast.posts["alva_individual"])
        many_queries, many_mails = self.run_digest()
        assert many_mails == few_mails + 8
        assert many_queries == few_queries


def test_the_direct_message_copies_and_answers_as_djangos() -> None:
    message = emails.assemble_message(
        address="a@example.se", language="sv", subject="Nytt i Följa: 1 sak", text="Hej!\n", html="<p>Hej!</p>\n",
        unsubscribe="https://f.se/u/", boundary=compose.Composer().boundary,
    )  # fmt: skip
    built = message.message()
    assert isinstance(built, mime.SerialisedMessage)
    assert copy.copy(built).as_bytes() == built.as_bytes()
    assert built.get_charset() is None and built.is_multipart()  # what the console backend asks
    assert built["To"] == "a@example.se" and "Hej!" in str(built)
