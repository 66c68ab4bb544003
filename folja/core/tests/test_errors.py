"""Error pages: styled, translated, a way back, and they reveal nothing (folja/core/errors.py).

pytest runs with DEBUG off, so these are the pages production shows.
"""

from __future__ import annotations

import re
import uuid
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from folja.access.roles import Role
from folja.core import errors
from folja.testing.cast import build_cast
from folja.testing.sessions import signed_in

pytestmark = pytest.mark.django_db

HOME = 'href="/"'
STYLESHEET = "folja/app.css"


def _page(response) -> str:  # noqa: ANN001
    return response.content.decode()


def _without_tokens(page: str) -> str:
    """The page without its CSRF tokens, which differ between two renderings, and the language
    switch's way back to the address asked for."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)
    return re.sub(r'name="next" type="hidden" value="[^"]*"', "", page)


@pytest.fixture
def cast():  # noqa: ANN201
    return build_cast()


def test_an_unknown_address_gets_the_404_page_in_swedish_with_a_way_back(client):
    response = client.get("/finns-inte/19990101-1234/")

    page = _page(response)
    assert response.status_code == 404
    assert "Sidan hittades inte" in page and "Felkod 404" in page
    assert HOME in page and STYLESHEET in page
    shown = _without_tokens(page)  # the language switch returns to the address, nothing else shows it
    assert "finns-inte" not in shown and "19990101" not in shown


def test_the_404_page_is_in_english_for_an_english_browser(client):
    page = _page(client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en"))

    assert "Page not found" in page and "Sidan hittades inte" not in page
    assert '<html lang="en"' in page


def test_a_child_the_guardian_may_not_see_and_a_missing_child_give_the_same_404(cast):
    anna = signed_in(cast.anna, Role.GUARDIAN)  # guardian of Alva, not of Bertil

    forbidden = anna.get(reverse("learninglog:timeline", args=[cast.bertil.uuid]))
    missing = anna.get(reverse("learninglog:timeline", args=[uuid.uuid4()]))

    assert forbidden.status_code == missing.status_code == 404
    assert _without_tokens(_page(forbidden)) == _without_tokens(_page(missing))
    assert "Bertil" not in _page(forbidden)
    assert "Logga ut" in _page(forbidden) and "Inloggad som Vårdnadshavare" in _page(forbidden)
    assert "Anna Lind" not in _page(forbidden)  # no name on an error page, not even her own


def test_a_page_for_another_role_gets_the_403_page_not_a_bare_forbidden(cast):
    anna = signed_in(cast.anna, Role.GUARDIAN)

    response = anna.get(reverse("learninglog:feed"))

    page = _page(response)
    assert response.status_code == 403
    assert "Du kan inte göra det här" in page and "Felkod 403" in page and HOME in page
    assert "403 Forbidden" not in page


def test_the_way_back_is_offered_only_to_a_page_of_this_site(client):
    inside = _page(client.get("/no-such-page/", HTTP_REFERER="http://testserver/login/"))
    outside = _page(client.get("/no-such-page/", HTTP_REFERER="https://phishing.example/"))

    assert 'href="http://testserver/login/"' in inside and "Tillbaka till förra sidan" in inside
    assert "phishing.example" not in outside and "Tillbaka till förra sidan" not in outside


def test_a_get_of_a_form_address_gets_the_405_page_and_keeps_the_allow_header(client):
    response = client.get(reverse("accounts:logout"))

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "Det gick inte att öppna sidan så här" in _page(response) and HOME in _page(response)


def test_a_request_body_larger_than_accepted_gets_the_413_page(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    browser = Client(enforce_csrf_checks=True)  # as a browser: the CSRF check reads the body
    browser.get(reverse("accounts:login"))  # the CSRF cookie

    response = browser.post(reverse("accounts:logout"), {"text": "x" * 4096})

    page = _page(response)
    assert response.status_code == 413
    assert "Det du skickade var för stort" in page and "Inget av det du skickade har sparats" in page
    assert STYLESHEET in page


def test_a_request_for_another_host_gets_the_400_page(client):
    response = client.get("/", HTTP_HOST="evil.example")

    page = _page(response)
    assert response.status_code == 400
    assert "Något blev fel i förfrågan" in page and "evil.example" not in page


def test_a_stale_form_gets_the_csrf_page_in_the_site_layout(cast):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(reverse("accounts:logout"))

    page = _page(response)
    assert response.status_code == 403
    assert "Formuläret kunde inte skickas" in page and STYLESHEET in page
    assert "CSRF" not in page and "Reason" not in page  # Django's reason is logged, not shown


def test_the_500_page_shows_no_trace_and_works_with_the_database_down(cast):
    anna = signed_in(cast.anna, Role.GUARDIAN)
    anna.raise_request_exception = False
    secret = cast.anna.civic_number

    def down(*args: object, **kwargs: object) -> None:
        raise OperationalError(f"could not connect to server ({secret})")

    # Every query fails, the session's among them; the 500 page must need none.
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=down):
        response = anna.get(reverse("core:home"))

    page = _page(response)
    assert response.status_code == 500
    assert "Något gick fel i Följa" in page and HOME in page and STYLESHEET in page
    assert "Traceback" not in page and "OperationalError" not in page and "could not connect" not in page
    assert secret not in page and secret[:8] not in page
    assert "Anna Lind" not in page  # no person in the header: nothing was read for it


def test_the_500_page_renders_without_a_single_query_and_in_the_request_language():
    request = RequestFactory().get("/", HTTP_ACCEPT_LANGUAGE="en")

    with CaptureQueriesContext(connection) as queries:
        response = errors.server_error(request)

    assert queries.captured_queries == []
    assert response.status_code == 500
    assert "Something went wrong in Följa" in response.content.decode()


def test_no_way_back_to_the_same_address_but_back_to_the_form_that_was_sent(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    again = _page(Client().get("/no-such-page/", HTTP_REFERER="http://testserver/no-such-page/"))
    browser = Client(enforce_csrf_checks=True)
    browser.get(reverse("accounts:login"))
    form = reverse("accounts:logout")

    too_large = _page(browser.post(form, {"text": "x" * 4096}, HTTP_REFERER=f"http://testserver{form}"))

    assert "Tillbaka till förra sidan" not in again
    assert f'href="http://testserver{form}"' in too_large
