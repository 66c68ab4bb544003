"""Build the deploy test's world in the database the environment names (run by `manage.py shell`).

Prints one JSON line: session cookies for a connected teacher (and 24 more of the same teacher, for
the overload test) and a teacher of another unit, the
uuid of a photo on a post about Alva with the bytes stored for it, and the child's uuid.
"""

from __future__ import annotations

import io
import json
import sys

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.files.base import ContentFile
from django.test import Client
from PIL import Image

from folja.access.roles import Role
from folja.media.models import Media, MediaKind, MediaStatus
from folja.testing.cast import build_cast
from folja.testing.sessions import sign_in


def photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 140, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def session_of(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def main() -> None:
    cast = build_cast()
    data = photo()
    media = Media(
        post=cast.posts["alva_individual"],
        kind=MediaKind.IMAGE,
        status=MediaStatus.READY,
        content_type="image/jpeg",
        uploaded_by=cast.teacher_blue,
        original_name="sandlada.jpg",
    )
    media.file.save("deploy/original.jpg", ContentFile(data), save=False)
    media.save()
    teacher = sign_in(Client(), cast.teacher_blue, Role.STAFF)
    other = sign_in(Client(), cast.teacher_larkan, Role.STAFF)
    leaving = sign_in(Client(), cast.teacher_blue, Role.STAFF)
    # Sessions of their own for the overload test's readers (each session has its own rate limit).
    readers = [session_of(sign_in(Client(), cast.teacher_blue, Role.STAFF)) for _ in range(24)]
    assert isinstance(teacher.session, SessionBase)
    sys.stdout.write(
        json.dumps(
            {
                "teacher_session": session_of(teacher),
                "other_session": session_of(other),
                "leaving_session": session_of(leaving),
                "reader_sessions": readers,
                "media": str(media.uuid),
                "media_bytes": data.hex(),
                "child": str(cast.persons["alva"].uuid),
                "session_cookie": settings.SESSION_COOKIE_NAME,
                "csrf_cookie": settings.CSRF_COOKIE_NAME,
            }
        )
        + "\n"
    )


main()
