"""The language a signed-in person reads Följa in: chosen once, kept with the person.

Signed out, Django's LocaleMiddleware picks the language from the language cookie or the
browser's Accept-Language. Signed in, the person's own choice (`Person.language`) wins: the
viewer middleware activates it for the request, so pages, form errors and the notices shown
follow it, and the notices and mails sent later use it too (`notifications.api.language_for`).
The switch in the header and the choice offered on the terms page and the start page post to
`set_language`, which stores the choice with a signed-in person and sets the cookie for the
browser (docs/languages.md).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from folja.directory.actions import person_language_set
from folja.directory.models import Person


def interface_languages() -> set[str]:
    """Return the codes of the languages Följa is shown in (settings.LANGUAGES)."""
    return {code for code, _name in settings.LANGUAGES}


def activate_person_language(request: HttpRequest, person: Person) -> None:
    """Show this request in the person's chosen language, when they chose one Följa has."""
    language = person.language
    if language and language in interface_languages() and translation.check_for_language(language):
        translation.activate(language)
        request.LANGUAGE_CODE = language


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the language: stored with a signed-in person, in the cookie for everyone (Django's view)."""
    language = request.POST.get("language", "")
    viewer = getattr(request, "viewer", None)
    if viewer is not None and language in interface_languages():
        person_language_set(person=viewer.person, language=language)
    return django_set_language(request)
