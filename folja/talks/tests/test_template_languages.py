"""The built-in talk template in every interface language (issue 32): complete, and shown per language."""

from __future__ import annotations

import pytest
from django.conf import settings

from folja.talks.models import QuestionKind
from folja.talks.templates import built_ins, default_content, localized_content

OTHER_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


@pytest.mark.parametrize("school_type", list(built_ins()))
def test_every_interface_language_ships_each_built_in_template(school_type: str) -> None:
    assert set(built_ins()[school_type].overlays) == set(OTHER_LANGUAGES)


@pytest.mark.parametrize("school_type", list(built_ins()))
@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_string_of_each_template_has_a_version(language: str, school_type: str) -> None:
    built_in = built_ins()[school_type]
    overlay = built_in.overlays.get(language, {})
    for section in built_in.content()["sections"]:
        assert overlay[section["key"]].get("title"), section["key"]
        for question in section["questions"]:
            shown = overlay[question["key"]]
            assert shown.get("text"), question["key"]
            if question["kind"] == QuestionKind.SCALE:
                assert shown.get("min_label") and shown.get("max_label"), question["key"]
            if question["kind"] == QuestionKind.CHOICE:
                assert len(shown["choice_labels"]) == len(question["choices"]), question["key"]


@pytest.mark.parametrize(
    ("language", "first_question"),
    [
        ("ar", "كيف تشعر أن طفلك مرتاح في الروضة؟"),
        ("fa", "به نظر شما فرزندتان در مهدکودک چقدر احساس خوبی دارد؟"),
        ("so", "Sidee u malaynaysaa inuu ilmahaagu ugu faraxsan yahay xannaanada?"),
        ("uk", "Як, на вашу думку, почувається ваша дитина в садочку?"),
        ("fi", "Miten lapsesi mielestäsi viihtyy esikoulussa?"),
    ],
)
def test_the_built_in_template_is_shown_in_the_readers_language(language: str, first_question: str) -> None:
    content = default_content()
    shown = localized_content(content, language)
    assert shown["sections"][0]["questions"][0]["text"] == first_question
    # What is stored stays: keys and choice values, so answers stay valid in every language.
    assert [s["key"] for s in shown["sections"]] == [s["key"] for s in content["sections"]]
    assert shown["sections"][1]["questions"][-1]["choices"] == content["sections"][1]["questions"][-1]["choices"]
