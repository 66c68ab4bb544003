"""Talk template content: its shape, validation, and the default template in Swedish."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from folja.talks.models import Part, QuestionKind

SCALE_LIMITS = (1, 10)


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

    name = "Utvecklingssamtal (standardmall)"
    template, _created = TalkTemplate.objects.get_or_create(
        organisation=organisation, school_unit=school_unit, name=name
    )
    if not template.versions.exists():
        TalkTemplateVersion.objects.create(
            template=template, number=1, content=validate_content(default_content()), created_by=actor
        )
    return template
