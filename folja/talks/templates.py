"""Talk template content: its shape, validation, and the built-in default template.

The default template is stored in Swedish, as every version is: answers are stored by question
key and a choice answer by its Swedish value. It ships in English too (`DEFAULT_ENGLISH`): a
version whose content is exactly the built-in one is shown in English when the interface is
(`localized_content`). A template an organisation wrote, or changed, is shown as written.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from folja.directory.models import SchoolType
from folja.talks import builtin_templates, school_form_overlays, template_languages
from folja.talks.models import Part, QuestionKind

SCALE_LIMITS = (1, 10)
# The built-in template's stored name; shown translated (`template_name`).
DEFAULT_NAME = gettext_noop("Utvecklingssamtal (standardmall)")
FKLASS_NAME = gettext_noop("Utvecklingssamtal i förskoleklass (standardmall)")
SCHOOL_NAME = gettext_noop("Utvecklingssamtal i skolan (standardmall)")
FRITIDSHEM_NAME = gettext_noop("Samtal om fritidshemmet (standardmall)")


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


@dataclass(frozen=True)
class BuiltIn:
    """A built-in template: its stored name, its Swedish content and its overlays by language
    (section and question key → the shown texts)."""

    name: str
    content: Callable[[], dict]
    overlays: dict[str, dict[str, dict[str, object]]]


def built_ins() -> dict[str, BuiltIn]:
    """Return the built-in templates by the SS 12000 school type they are written for."""
    return {
        SchoolType.FS: BuiltIn(
            DEFAULT_NAME, default_content, {"en": DEFAULT_ENGLISH, **template_languages.BY_LANGUAGE}
        ),
        SchoolType.FKLASS: BuiltIn(
            FKLASS_NAME,
            builtin_templates.fklass_content,
            {"en": builtin_templates.FKLASS_ENGLISH, **school_form_overlays.by_language("FKLASS")},
        ),
        SchoolType.GR: BuiltIn(
            SCHOOL_NAME,
            builtin_templates.school_content,
            {"en": builtin_templates.SCHOOL_ENGLISH, **school_form_overlays.by_language("SCHOOL")},
        ),
        SchoolType.FTH: BuiltIn(
            FRITIDSHEM_NAME,
            builtin_templates.fritidshem_content,
            {"en": builtin_templates.FRITIDSHEM_ENGLISH, **school_form_overlays.by_language("FRITIDSHEM")},
        ),
    }


def default_talk_template(
    organisation: object,
    *,
    school_unit: object | None = None,
    actor: object | None = None,
    school_type: str = SchoolType.FS,
):
    """Create (or return) the organisation's built-in talk template for a school type (the
    preschool one by default) with its first version.

    Idempotent: a second call returns the template already there. The demo builder calls it.
    """
    from folja.talks.models import TalkTemplate, TalkTemplateVersion

    built_in = built_ins().get(school_type) or built_ins()[SchoolType.FS]
    template, _created = TalkTemplate.objects.get_or_create(
        organisation=organisation,
        school_unit=school_unit,
        name=built_in.name,
        defaults={"school_type": school_type if school_type in built_ins() else SchoolType.FS},
    )
    if not template.versions.exists():
        TalkTemplateVersion.objects.create(
            template=template, number=1, content=validate_content(built_in.content()), created_by=actor
        )
    return template


def default_talk_templates(organisation: object, school_types: list[str]) -> list:
    """Create (or return) the built-in templates for the school types an organisation serves
    (the preschool one when it serves none of them)."""
    wanted = [t for t in built_ins() if t in set(school_types)] or [SchoolType.FS]
    return [default_talk_template(organisation, school_type=t) for t in wanted]


def version_for(versions: Sequence, school_types: list[str]) -> object | None:
    """Return the version to plan a group's talks with: a template written for one of the
    group's school types (the unit's own before the organisation's), else one written for no
    school type in particular, else None. `versions` are those the staff member may use."""
    wanted = set(school_types)

    def rank(version: object) -> tuple[int, int]:
        template = version.template
        fits = 0 if template.school_type in wanted else 1 if not template.school_type else 2
        return (fits, 0 if template.school_unit_id else 1)

    best = min(versions, key=rank, default=None)
    return best if best is not None and rank(best)[0] < 2 else None


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


def localized_content(content: dict, language: str | None) -> dict:
    """Return the content to show in `language`: a built-in template in that language when the
    content is exactly that built-in one and the language is shipped; anything else as stored."""
    sections = content.get("sections")
    built_in = next((b for b in built_ins().values() if sections == b.content()["sections"]), None)
    overlay = built_in.overlays.get((language or "").split("-")[0]) if built_in else None
    if overlay is None:
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
    return _(name) if name in {b.name for b in built_ins().values()} else name
