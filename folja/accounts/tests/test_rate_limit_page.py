"""The 429 of the sign-in rate limits says in plain Swedish when to try again."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import formats, translation

pytestmark = pytest.mark.django_db

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")


def _clock(hour: int, minute: int, language: str) -> str:
    """The time of day as the language's locale format writes it (config: Django's locale formats)."""
    with translation.override(language):
        return formats.time_format(dt.time(hour, minute))


@pytest.fixture
def limited(settings):  # noqa: ANN201
    settings.FOLJA_TEST_EID_ENABLED = True
    settings.FOLJA_SIGNIN_RATE_LIMIT = 2
    settings.FOLJA_SIGNIN_RATE_WINDOW_SECONDS = 600
    return reverse("accounts:test_eid", args=["guardian"])


def test_the_page_says_in_minutes_and_by_the_clock_when_to_try_again(client, world, limited):
    started = dt.datetime(2026, 3, 14, 9, 58, 20, tzinfo=STOCKHOLM)
    with time_machine.travel(started, tick=False):
        for _ in range(2):
            assert client.post(limited, {"civic_number": world.stranger_civic}).status_code == 302
    with time_machine.travel(started + dt.timedelta(minutes=3), tick=False):
        response = client.post(limited, {"civic_number": world.stranger_civic})

    page = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"] == "420"  # the window of 10 minutes began 3 minutes ago
    assert f"Försök igen om 7 minuter, klockan {_clock(10, 8, 'sv')}." in page
    assert 'href="/login/"' in page and "Felkod 429" in page
    assert world.stranger_civic not in page and world.stranger_civic[:8] not in page


def test_the_last_minute_is_said_in_the_singular_and_in_english_too(client, world, limited):
    started = dt.datetime(2026, 3, 14, 23, 55, tzinfo=STOCKHOLM)
    with time_machine.travel(started, tick=False):
        for _ in range(2):
            client.post(limited, {"civic_number": world.stranger_civic})
    with time_machine.travel(started + dt.timedelta(minutes=9, seconds=30), tick=False):
        swedish = client.post(limited, {"civic_number": world.stranger_civic})
        english = client.post(limited, {"civic_number": world.stranger_civic}, HTTP_ACCEPT_LANGUAGE="en")

    assert swedish["Retry-After"] == "30"
    assert f"Försök igen om 1 minut, klockan {_clock(0, 5, 'sv')}." in swedish.content.decode()
    assert f"Try again in 1 minute, at {_clock(0, 5, 'en')}." in english.content.decode()
