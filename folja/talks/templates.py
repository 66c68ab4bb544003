"""Talk template content: its shape, validation, and the built-in default template.

The default template is stored in Swedish, as every version is: answers are stored by question
key and a choice answer by its Swedish value. It ships in English too (`DEFAULT_ENGLISH`): a
version whose content is exactly the built-in one is shown in English when the interface is
(`localized_content`). A template an organisation wrote, or changed, is shown as written.
"""

from __future__ import annotations

import copy

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from folja.talks import template_languages
from folja.talks.models import Part, QuestionKind

SCALE_LIMITS = (1, 10)
# The built-in template's stored name; shown translated (`template_name`).
DEFAULT_NAME = gettext_noop("Utvecklingssamtal (standardmall)")


def validate_content(content: object) -> dict:
    """Return the template content if its shape is valid, else raise ValidationError naming the problem."""
    if not isinstance(content, dict) or not isinstance(content.get("sections"), list) or not content["sections"]:
        raise ValidationError(_("Mallen behöver minst en del med frågor."), code="no_sections")
    keys: set[str] = set()
    for section in content["sections"]:
        if not isinstance(section, dict) or section.get("part") not in Part.values:
            raise ValidationError(_("Varje del måste höra till förberedelse eller anteckningar."), code="bad_part")
        if not str(section.get("title", "")).strip():
            raise ValidationError(_("Varje del behöver en rubrik."), code="no_title")
        questions = section.get("questions")
        if not isinstance(questions, list) or not questions:
            raise ValidationError(_("Varje del behöver minst en fråga."), code="no_questions")
        for question in questions:
            key = str(question.get("key", "")) if isinstance(question, dict) else ""
            if not key or key in keys:
                # Answers are stored by key, so a key must be unique within the version.
                raise ValidationError(_("Varje fråga behöver en unik nyckel."), code="bad_key")
            keys.add(key)
            if not str(question.get("text", "")).strip():
                raise ValidationError(_("Varje fråga behöver en text."), code="no_text")
            kind = question.get("kind")
            if kind not in QuestionKind.values:
                raise ValidationError(_("Okänd frågetyp."), code="bad_kind")
            if kind == QuestionKind.SCALE:
                low, high = question.get("scale_min", 1), question.get("scale_max", 5)
                if not (isinstance(low, int) and isinstance(high, int) and SCALE_LIMITS[0] <= low < high):
                    raise ValidationError(_("En skala behöver ett lägsta och ett högsta värde."), code="bad_scale")
                if high > SCALE_LIMITS[1]:
                    raise ValidationError(_("En skala kan ha högst tio steg."), code="bad_scale")
            if kind == QuestionKind.CHOICE:
                choices = question.get("choices")
                if not isinstance(choices, list) or len(choices) < 2 or not all(str(c).strip() for c in choices):
                    raise ValidationError(_("En valfråga behöver minst två svarsalternativ."), code="bad_choices")
    return content


def _q(key: str, text: str, kind: str = QuestionKind.TEXT, **extra: object) -> dict:
    return {"key": key, "text": text, "kind": kind, **extra}


def default_content() -> dict:
    """Return the default talk template in Swedish (preschool; works for förskoleklass too)."""
    return {
        "sections": [
            {
                "key": "vh_trivsel",
                "part": Part.GUARDIAN,
                "title": "Inför samtalet – era tankar",
                "questions": [
                    _q(
                        "vh_trivs",
                        "Hur upplever ni att ert barn trivs på förskolan?",
                        QuestionKind.SCALE,
                        scale_min=1,
                        scale_max=5,
                        min_label="Inte alls",
                        max_label="Mycket bra",
                    ),
                    _q("vh_berattar", "Vad brukar ert barn berätta om förskolan hemma?"),
                    _q("vh_intressen", "Vad är ert barn intresserat av just nu?"),
                    _q("vh_fragor", "Finns det något ni vill att vi pratar om på samtalet?"),
                ],
            },
            {
                "key": "pers_utveckling",
                "part": Part.STAFF,
                "title": "Barnets utveckling och lärande",
                "questions": [
                    _q("pers_trygghet", "Trygghet och trivsel i gruppen"),
                    _q("pers_sprak", "Språk och kommunikation"),
                    _q("pers_lek", "Lek, samspel och vänskap"),
                    _q("pers_larande", "Det barnet utforskar och lär sig just nu"),
                    _q(
                        "pers_fokus",
                        "Vad vill ni lyfta särskilt på samtalet?",
                        QuestionKind.CHOICE,
                        choices=["Trivsel", "Språk", "Lek och samspel", "Motorik", "Annat"],
                    ),
                ],
            },
            {
                "key": "rec_samtal",
                "part": Part.RECORD,
                "title": "Anteckningar från samtalet",
                "questions": [
                    _q("rec_samtal", "Det här pratade vi om"),
                    _q("rec_vh", "Det här tog vårdnadshavarna upp"),
                    _q("rec_nasta", "Det här fortsätter förskolan att arbeta med"),
                ],
            },
        ]
    }


def default_talk_template(organisation: object, *, school_unit: object | None = None, actor: object | None = None):
    """Create (or return) the organisation's default talk template with its first version.

    Idempotent: a second call returns the template already there. The demo builder calls it.
    """
    from folja.talks.models import TalkTemplate, TalkTemplateVersion

    name = DEFAULT_NAME
    template, _created = TalkTemplate.objects.get_or_create(
        organisation=organisation, school_unit=school_unit, name=name
    )
    if not template.versions.exists():
        TalkTemplateVersion.objects.create(
            template=template, number=1, content=validate_content(default_content()), created_by=actor
        )
    return template


# The built-in template in English, by section and question key. Choice answers keep their
# Swedish values (what is stored); `choice_labels` are what an English reader sees.
DEFAULT_ENGLISH: dict[str, dict[str, object]] = {
    "vh_trivsel": {"title": "Before the talk – your thoughts"},
    "vh_trivs": {
        "text": "How do you feel your child is getting on at preschool?",
        "min_label": "Not at all",
        "max_label": "Very well",
    },
    "vh_berattar": {"text": "What does your child usually tell you about preschool at home?"},
    "vh_intressen": {"text": "What is your child interested in right now?"},
    "vh_fragor": {"text": "Is there anything you would like us to talk about at the talk?"},
    "pers_utveckling": {"title": "The child's development and learning"},
    "pers_trygghet": {"text": "Feeling safe and happy in the group"},
    "pers_sprak": {"text": "Language and communication"},
    "pers_lek": {"text": "Play, interaction and friendship"},
    "pers_larande": {"text": "What the child is exploring and learning right now"},
    "pers_fokus": {
        "text": "What would you like to bring up in particular at the talk?",
        "choice_labels": ["Well-being", "Language", "Play and interaction", "Motor skills", "Other"],
    },
    "rec_samtal": {"title": "Notes from the talk", "text": "This is what we talked about"},
    "rec_vh": {"text": "This is what the guardians brought up"},
    "rec_nasta": {"text": "This is what the preschool will go on working with"},
}
LANGUAGES_SHIPPED = {"en": DEFAULT_ENGLISH, **template_languages.BY_LANGUAGE}


def localized_content(content: dict, language: str | None) -> dict:
    """Return the content to show in `language`: the built-in template in that language when the
    content is exactly the built-in one and the language is shipped; anything else as stored."""
    overlay = LANGUAGES_SHIPPED.get((language or "").split("-")[0])
    if overlay is None or content.get("sections") != default_content()["sections"]:
        return content
    shown = copy.deepcopy(content)
    for section in shown["sections"]:
        section.update({k: v for k, v in overlay.get(section["key"], {}).items() if k == "title"})
        for question in section["questions"]:
            question.update({k: v for k, v in overlay.get(question["key"], {}).items() if k != "title"})
    return shown


def choice_label(question: dict, value: object) -> object:
    """Return how a stored choice answer reads in the shown language (the value itself if unknown)."""
    choices, labels = question.get("choices") or [], question.get("choice_labels")
    if labels and value in choices:
        return labels[choices.index(value)]
    return value


def template_name(template: object) -> str:
    """Return a template's name as shown: the built-in one's in the interface language."""
    name = template.name
    return _(DEFAULT_NAME) if name == DEFAULT_NAME else name
