"""English mode (issue 25, point 14): the built-in talk template and the platform's default terms
ship in Swedish and English and are shown in the interface language; what an organisation wrote
(its own template, a changed copy of the built-in one, its own terms) is shown as written."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from folja.access.roles import Role
from folja.core.tests.test_translations import english_catalogue  # noqa: F401 (a fixture)
from folja.pages.transitions import actions as terms_actions
from folja.talks import actions
from folja.talks.models import AnswerSet, Part, QuestionKind, TalkTemplateVersion
from folja.talks.templates import DEFAULT_ENGLISH, default_content, localized_content
from folja.talks.tests.matrix_rows import build_talk_world
from folja.testing.cast import build_cast
from folja.testing.sessions import signed_in

ENGLISH_QUESTION = "How do you feel your child is getting on at preschool?"
SWEDISH_QUESTION = "Hur upplever ni att ert barn trivs på förskolan?"


def test_every_shipped_string_has_an_english_version() -> None:
    for section in default_content()["sections"]:
        assert DEFAULT_ENGLISH[section["key"]].get("title"), section["key"]
        for question in section["questions"]:
            english = DEFAULT_ENGLISH[question["key"]]
            assert english.get("text"), question["key"]
            if question["kind"] == QuestionKind.SCALE:
                assert english.get("min_label") and english.get("max_label"), question["key"]
            if question["kind"] == QuestionKind.CHOICE:
                assert len(english["choice_labels"]) == len(question["choices"]), question["key"]


def test_the_built_in_template_follows_the_language_and_keeps_what_is_stored() -> None:
    content = default_content()
    english = localized_content(content, "en")
    assert english["sections"][0]["questions"][0]["text"] == ENGLISH_QUESTION
    assert localized_content(content, "sv") is content and localized_content(content, None) is content
    # The keys and the stored choice values stay, so answers stay valid in both languages.
    fokus = english["sections"][1]["questions"][-1]
    assert fokus["key"] == "pers_fokus" and fokus["choices"] == content["sections"][1]["questions"][-1]["choices"]
    assert content["sections"][0]["questions"][0]["text"] == SWEDISH_QUESTION  # the original is untouched


def test_a_changed_copy_stays_as_written() -> None:
    content = default_content()
    content["sections"][0]["questions"][1]["text"] = "Vad berättar barnet hemma?"
    assert localized_content(content, "en") is content


@pytest.fixture
def world(db):  # noqa: ANN001, ANN201
    cast = build_cast()
    return cast, build_talk_world(cast)


def test_the_guardian_preparation_is_in_english_and_an_organisations_version_as_written(world) -> None:  # noqa: ANN001
    cast, talks = world
    talk = talks["alva"]
    url = reverse("talks:guardian_preparation", args=[talk.uuid])
    anna = signed_in(cast.anna, Role.GUARDIAN)
    english = anna.get(url, headers={"accept-language": "en"}).content.decode()
    assert ENGLISH_QUESTION in english and SWEDISH_QUESTION not in english and "Very well" in english
    swedish = anna.get(url, headers={"accept-language": "sv"}).content.decode()
    assert SWEDISH_QUESTION in swedish and ENGLISH_QUESTION not in swedish
    # The organisation's own version (a changed copy) is shown as written, also in English.
    own = default_content()
    own["sections"][0]["title"] = "Våra frågor inför samtalet"
    version = TalkTemplateVersion.objects.create(template=talk.template_version.template, number=2, content=own)
    type(talk).objects.filter(pk=talk.pk).update(template_version=version)
    english = anna.get(url, headers={"accept-language": "en"}).content.decode()
    assert "Våra frågor inför samtalet" in english and SWEDISH_QUESTION in english and ENGLISH_QUESTION not in english


def test_a_choice_answered_in_english_is_stored_by_its_value_and_read_in_either_language(world) -> None:  # noqa: ANN001
    cast, talks = world
    talk = talks["alva"]
    teacher = signed_in(cast.teacher_blue, Role.STAFF)
    form = teacher.get(reverse("talks:staff_preparation", args=[talk.uuid]), headers={"accept-language": "en"})
    assert '<option value="Språk">Language</option>' in form.content.decode()
    teacher.post(
        reverse("talks:staff_preparation", args=[talk.uuid]),
        {"q_pers_fokus": "Språk"},
        headers={"accept-language": "en"},
    )
    assert AnswerSet.objects.get(talk=talk, part=Part.STAFF).answers["pers_fokus"] == "Språk"
    url = reverse("talks:talk", args=[talk.uuid])
    english = teacher.get(url, headers={"accept-language": "en"}).content.decode()
    assert "<dd>Language</dd>" in english and "What would you like to bring up in particular" in english
    assert "<dd>Språk</dd>" in teacher.get(url, headers={"accept-language": "sv"}).content.decode()


def test_a_refused_choice_is_still_refused(world) -> None:  # noqa: ANN001
    cast, talks = world
    from django.core.exceptions import ValidationError

    with translation.override("en"), pytest.raises(ValidationError):
        actions.answers_save(
            actor=cast.viewer("teacher_blue", Role.STAFF),
            talk=talks["alva"],
            part=Part.STAFF,
            answers={"pers_fokus": "Language"},  # a label, not a stored value
        )


def test_the_default_terms_are_shown_in_english_and_an_organisations_terms_as_written(
    world,  # noqa: ANN001
    english_catalogue,  # noqa: ANN001, F811
) -> None:
    cast, _talks = world
    terms_actions.terms_publish_default()
    anna = signed_in(cast.anna, Role.GUARDIAN)
    english = anna.get(reverse("transitions:terms"), headers={"accept-language": "en"}).content.decode()
    assert "Terms of use for Följa" in english and "Användarvillkor för Följa" not in english
    assert "Bilder och filmer får inte spridas" not in english
    swedish = anna.get(reverse("transitions:terms"), headers={"accept-language": "sv"}).content.decode()
    assert "Användarvillkor för Följa" in swedish and "Bilder och filmer får inte spridas" in swedish
    terms_actions.terms_publish(organisation=cast.org_a, title="Solrosens villkor", body="Vår egen text.")
    english = anna.get(reverse("transitions:terms"), headers={"accept-language": "en"}).content.decode()
    assert "Solrosens villkor" in english and "Vår egen text." in english  # replaces the default there
