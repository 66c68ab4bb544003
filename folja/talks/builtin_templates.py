"""The built-in talk templates for förskoleklass, the school years and fritidshem, in Swedish
with their English versions (the preschool template is `templates.default_content`).

Each is stored in Swedish, as every version is; `templates.localized_content` shows a version
whose content is exactly a built-in one in English when the interface is. The school years'
template has a part the pupil prepares (`Part.PUPIL`, from year 1), answered by the pupil's own
session (talks/pupil.py, issue 29). docs/talks.md.
"""

from __future__ import annotations

from folja.talks.models import Part, QuestionKind


def _q(key: str, text: str, kind: str = QuestionKind.TEXT, **extra: object) -> dict:
    return {"key": key, "text": text, "kind": kind, **extra}


def _scale(key: str, text: str) -> dict:
    return _q(key, text, QuestionKind.SCALE, scale_min=1, scale_max=5, min_label="Inte alls", max_label="Mycket bra")


def _record(*questions: dict) -> dict:
    title = "Anteckningar från samtalet"
    return {"key": "rec_samtal", "part": Part.RECORD, "title": title, "questions": list(questions)}


def fklass_content() -> dict:
    """Return the förskoleklass template in Swedish."""
    return {
        "sections": [
            {
                "key": "vh_trivsel",
                "part": Part.GUARDIAN,
                "title": "Inför samtalet – era tankar",
                "questions": [
                    _scale("vh_trivs", "Hur upplever ni att ert barn trivs i förskoleklassen?"),
                    _q("vh_berattar", "Vad brukar ert barn berätta om förskoleklassen hemma?"),
                    _q("vh_overgang", "Hur tycker ni att steget från förskolan har gått?"),
                    _q("vh_intressen", "Vad är ert barn intresserat av just nu?"),
                    _q("vh_fragor", "Finns det något ni vill att vi pratar om på samtalet?"),
                ],
            },
            {
                "key": "pers_utveckling",
                "part": Part.STAFF,
                "title": "Elevens utveckling och lärande",
                "questions": [
                    _q("pers_trygghet", "Trygghet och trivsel i gruppen"),
                    _q("pers_sprak", "Språk och kommunikation: att lyssna, berätta och möta bokstäver"),
                    _q("pers_matematik", "Att använda matematik: tal, former och mönster"),
                    _q("pers_lek", "Lek, samspel och relationer"),
                    _q("pers_rorelse", "Rörelse och utevistelse"),
                    _q(
                        "pers_fokus",
                        "Vad vill ni lyfta särskilt på samtalet?",
                        QuestionKind.CHOICE,
                        choices=["Trivsel", "Språk", "Matematik", "Lek och samspel", "Annat"],
                    ),
                ],
            },
            _record(
                _q("rec_samtal", "Det här pratade vi om"),
                _q("rec_vh", "Det här tog vårdnadshavarna upp"),
                _q("rec_nasta", "Det här fortsätter förskoleklassen att arbeta med"),
            ),
        ]
    }


FKLASS_ENGLISH: dict[str, dict[str, object]] = {
    "vh_trivsel": {"title": "Before the talk – your thoughts"},
    "vh_trivs": {
        "text": "How do you feel your child is getting on in the preschool class?",
        "min_label": "Not at all",
        "max_label": "Very well",
    },
    "vh_berattar": {"text": "What does your child usually tell you about the preschool class at home?"},
    "vh_overgang": {"text": "How do you feel the step from preschool has gone?"},
    "vh_intressen": {"text": "What is your child interested in right now?"},
    "vh_fragor": {"text": "Is there anything you would like us to talk about at the talk?"},
    "pers_utveckling": {"title": "The pupil's development and learning"},
    "pers_trygghet": {"text": "Feeling safe and happy in the group"},
    "pers_sprak": {"text": "Language and communication: listening, telling and meeting letters"},
    "pers_matematik": {"text": "Using mathematics: numbers, shapes and patterns"},
    "pers_lek": {"text": "Play, interaction and relationships"},
    "pers_rorelse": {"text": "Movement and time outdoors"},
    "pers_fokus": {
        "text": "What would you like to bring up in particular at the talk?",
        "choice_labels": ["Well-being", "Language", "Mathematics", "Play and interaction", "Other"],
    },
    "rec_samtal": {"title": "Notes from the talk", "text": "This is what we talked about"},
    "rec_vh": {"text": "This is what the guardians brought up"},
    "rec_nasta": {"text": "This is what the preschool class will go on working with"},
}


def school_content() -> dict:
    """Return the school years' template in Swedish, with the pupil's own preparation."""
    return {
        "sections": [
            {
                "key": "elev_forberedelse",
                "part": Part.PUPIL,
                "title": "Min förberedelse",
                "questions": [
                    _scale("elev_trivs", "Hur trivs du i skolan?"),
                    _q("elev_roligt", "Det här tycker jag är roligt i skolan"),
                    _q("elev_battre", "Det här har jag blivit bättre på"),
                    _q("elev_utveckla", "Det här vill jag bli bättre på"),
                    _q("elev_prata", "Det här vill jag prata om på samtalet"),
                ],
            },
            {
                "key": "vh_trivsel",
                "part": Part.GUARDIAN,
                "title": "Inför samtalet – era tankar",
                "questions": [
                    _scale("vh_trivs", "Hur upplever ni att ert barn trivs i skolan?"),
                    _q("vh_berattar", "Vad brukar ert barn berätta om skolan hemma?"),
                    _q("vh_skolarbete", "Hur fungerar läxor och skolarbete hemma?"),
                    _q("vh_fragor", "Finns det något ni vill att vi pratar om på samtalet?"),
                ],
            },
            {
                "key": "pers_utveckling",
                "part": Part.STAFF,
                "title": "Elevens kunskapsutveckling och sociala utveckling",
                "questions": [
                    _q("pers_kunskaper", "Kunskapsutvecklingen i ämnena"),
                    _q("pers_arbetssatt", "Arbetssätt och studiero"),
                    _q("pers_trygghet", "Trygghet, trivsel och kamratrelationer"),
                    _q("pers_nasta", "Det eleven behöver utveckla härnäst"),
                    _q(
                        "pers_fokus",
                        "Vad vill ni lyfta särskilt på samtalet?",
                        QuestionKind.CHOICE,
                        choices=["Trivsel", "Kunskaper", "Arbetssätt", "Kamratrelationer", "Annat"],
                    ),
                ],
            },
            _record(
                _q("rec_samtal", "Det här pratade vi om"),
                _q("rec_elev", "Det här tog eleven upp"),
                _q("rec_vh", "Det här tog vårdnadshavarna upp"),
                _q("rec_nasta", "Det här fortsätter skolan att arbeta med"),
            ),
        ]
    }


SCHOOL_ENGLISH: dict[str, dict[str, object]] = {
    "elev_forberedelse": {"title": "My preparation"},
    "elev_trivs": {"text": "How do you like it at school?", "min_label": "Not at all", "max_label": "Very well"},
    "elev_roligt": {"text": "This is what I enjoy at school"},
    "elev_battre": {"text": "This is what I have got better at"},
    "elev_utveckla": {"text": "This is what I want to get better at"},
    "elev_prata": {"text": "This is what I want to talk about at the talk"},
    "vh_trivsel": {"title": "Before the talk – your thoughts"},
    "vh_trivs": {
        "text": "How do you feel your child is getting on at school?",
        "min_label": "Not at all",
        "max_label": "Very well",
    },
    "vh_berattar": {"text": "What does your child usually tell you about school at home?"},
    "vh_skolarbete": {"text": "How are homework and schoolwork going at home?"},
    "vh_fragor": {"text": "Is there anything you would like us to talk about at the talk?"},
    "pers_utveckling": {"title": "The pupil's knowledge development and social development"},
    "pers_kunskaper": {"text": "Knowledge development in the subjects"},
    "pers_arbetssatt": {"text": "Ways of working and a calm place to study"},
    "pers_trygghet": {"text": "Feeling safe and happy, and relationships with classmates"},
    "pers_nasta": {"text": "What the pupil needs to develop next"},
    "pers_fokus": {
        "text": "What would you like to bring up in particular at the talk?",
        "choice_labels": ["Well-being", "Knowledge", "Ways of working", "Classmates", "Other"],
    },
    "rec_samtal": {"title": "Notes from the talk", "text": "This is what we talked about"},
    "rec_elev": {"text": "This is what the pupil brought up"},
    "rec_vh": {"text": "This is what the guardians brought up"},
    "rec_nasta": {"text": "This is what the school will go on working with"},
}


def fritidshem_content() -> dict:
    """Return the fritidshem template in Swedish."""
    return {
        "sections": [
            {
                "key": "vh_trivsel",
                "part": Part.GUARDIAN,
                "title": "Inför samtalet – era tankar",
                "questions": [
                    _scale("vh_trivs", "Hur upplever ni att ert barn trivs på fritidshemmet?"),
                    _q("vh_berattar", "Vad brukar ert barn berätta om fritids hemma?"),
                    _q("vh_mer", "Vad vill ert barn göra mer av på fritids?"),
                    _q("vh_fragor", "Finns det något ni vill att vi pratar om på samtalet?"),
                ],
            },
            {
                "key": "pers_utveckling",
                "part": Part.STAFF,
                "title": "Eleven på fritidshemmet",
                "questions": [
                    _q("pers_trygghet", "Trygghet och trivsel"),
                    _q("pers_lek", "Lek, samspel och kamratrelationer"),
                    _q("pers_balans", "Rörelse, utevistelse och balans mellan aktivitet och vila"),
                    _q("pers_skapar", "Det eleven utforskar och skapar"),
                    _q(
                        "pers_fokus",
                        "Vad vill ni lyfta särskilt på samtalet?",
                        QuestionKind.CHOICE,
                        choices=["Trivsel", "Kamrater", "Aktivitet och vila", "Intressen", "Annat"],
                    ),
                ],
            },
            _record(
                _q("rec_samtal", "Det här pratade vi om"),
                _q("rec_vh", "Det här tog vårdnadshavarna upp"),
                _q("rec_nasta", "Det här fortsätter fritidshemmet att arbeta med"),
            ),
        ]
    }


FRITIDSHEM_ENGLISH: dict[str, dict[str, object]] = {
    "vh_trivsel": {"title": "Before the talk – your thoughts"},
    "vh_trivs": {
        "text": "How do you feel your child is getting on at the school-age educare centre?",
        "min_label": "Not at all",
        "max_label": "Very well",
    },
    "vh_berattar": {"text": "What does your child usually tell you about the educare centre at home?"},
    "vh_mer": {"text": "What would your child like to do more of at the educare centre?"},
    "vh_fragor": {"text": "Is there anything you would like us to talk about at the talk?"},
    "pers_utveckling": {"title": "The pupil at the school-age educare centre"},
    "pers_trygghet": {"text": "Feeling safe and happy"},
    "pers_lek": {"text": "Play, interaction and friendships"},
    "pers_balans": {"text": "Movement, time outdoors and a balance between activity and rest"},
    "pers_skapar": {"text": "What the pupil explores and creates"},
    "pers_fokus": {
        "text": "What would you like to bring up in particular at the talk?",
        "choice_labels": ["Well-being", "Friends", "Activity and rest", "Interests", "Other"],
    },
    "rec_samtal": {"title": "Notes from the talk", "text": "This is what we talked about"},
    "rec_vh": {"text": "This is what the guardians brought up"},
    "rec_nasta": {"text": "This is what the educare centre will go on working with"},
}
