"""The school forms' built-in talk templates in fi (see __init__.py).

Machine-made (AI model), not reviewed by a native speaker; terms as in the fi catalogue's term list.
"""

from __future__ import annotations

_BEFORE = {"title": "Ennen keskustelua – sinun ajatuksesi"}
_QUESTIONS = {"text": "Onko jotain, mistä haluaisit puhua keskustelussa?"}
_FOCUS = "Mistä haluaisit erityisesti puhua keskustelussa?"
_NOTES = {"title": "Muistiinpanot keskustelusta", "text": "Näistä asioista puhuimme"}
_GUARDIANS = {"text": "Nämä asiat huoltajat ottivat esiin"}


def _scale(text: str) -> dict[str, object]:
    return {"text": text, "min_label": "Ei lainkaan", "max_label": "Erittäin hyvin"}


FKLASS: dict[str, dict[str, object]] = {
    "vh_trivsel": _BEFORE,
    "vh_trivs": _scale("Miten lapsesi mielestäsi viihtyy esiopetusluokassa?"),
    "vh_berattar": {"text": "Mitä lapsesi yleensä kertoo kotona esiopetusluokasta?"},
    "vh_overgang": {"text": "Miten siirtymä esikoulusta on mielestäsi sujunut?"},
    "vh_intressen": {"text": "Mistä lapsesi on nyt kiinnostunut?"},
    "vh_fragor": _QUESTIONS,
    "pers_utveckling": {"title": "Oppilaan kehitys ja oppiminen"},
    "pers_trygghet": {"text": "Turvallisuuden tunne ja viihtyminen ryhmässä"},
    "pers_sprak": {"text": "Kieli ja vuorovaikutus: kuunteleminen, kertominen ja tutustuminen kirjaimiin"},
    "pers_matematik": {"text": "Matematiikan käyttäminen: luvut, muodot ja kuviot"},
    "pers_lek": {"text": "Leikki, yhdessä toimiminen ja suhteet muihin"},
    "pers_rorelse": {"text": "Liikkuminen ja ulkoilu"},
    "pers_fokus": {
        "text": _FOCUS,
        "choice_labels": ["Viihtyminen", "Kieli", "Matematiikka", "Leikki ja yhdessä toimiminen", "Muu"],
    },
    "rec_samtal": _NOTES,
    "rec_vh": _GUARDIANS,
    "rec_nasta": {"text": "Näiden asioiden parissa esiopetusluokka jatkaa työtä"},
}

SCHOOL: dict[str, dict[str, object]] = {
    "elev_forberedelse": {"title": "Oma valmistautumiseni"},
    "elev_trivs": _scale("Miten viihdyt koulussa?"),
    "elev_roligt": {"text": "Tämä on minusta kivaa koulussa"},
    "elev_battre": {"text": "Tässä minusta on tullut parempi"},
    "elev_utveckla": {"text": "Tässä haluan tulla paremmaksi"},
    "elev_prata": {"text": "Tästä haluan puhua keskustelussa"},
    "vh_trivsel": _BEFORE,
    "vh_trivs": _scale("Miten lapsesi mielestäsi viihtyy koulussa?"),
    "vh_berattar": {"text": "Mitä lapsesi yleensä kertoo kotona koulusta?"},
    "vh_skolarbete": {"text": "Miten läksyt ja koulutyö sujuvat kotona?"},
    "vh_fragor": _QUESTIONS,
    "pers_utveckling": {"title": "Oppilaan tiedollinen ja sosiaalinen kehitys"},
    "pers_kunskaper": {"text": "Tietojen ja taitojen kehittyminen eri oppiaineissa"},
    "pers_arbetssatt": {"text": "Työskentelytavat ja työrauha"},
    "pers_trygghet": {"text": "Turvallisuuden tunne, viihtyminen ja kaverisuhteet"},
    "pers_nasta": {"text": "Mitä oppilaan tarvitsee kehittää seuraavaksi"},
    "pers_fokus": {
        "text": _FOCUS,
        "choice_labels": ["Viihtyminen", "Tiedot ja taidot", "Työskentelytavat", "Kaverisuhteet", "Muu"],
    },
    "rec_samtal": _NOTES,
    "rec_elev": {"text": "Nämä asiat oppilas otti esiin"},
    "rec_vh": _GUARDIANS,
    "rec_nasta": {"text": "Näiden asioiden parissa koulu jatkaa työtä"},
}

FRITIDSHEM: dict[str, dict[str, object]] = {
    "vh_trivsel": _BEFORE,
    "vh_trivs": _scale("Miten lapsesi mielestäsi viihtyy vapaa-ajankeskuksessa?"),
    "vh_berattar": {"text": "Mitä lapsesi yleensä kertoo kotona vapaa-ajankeskuksesta?"},
    "vh_mer": {"text": "Mitä lapsesi haluaisi tehdä enemmän vapaa-ajankeskuksessa?"},
    "vh_fragor": _QUESTIONS,
    "pers_utveckling": {"title": "Oppilas vapaa-ajankeskuksessa"},
    "pers_trygghet": {"text": "Turvallisuuden tunne ja viihtyminen"},
    "pers_lek": {"text": "Leikki, yhdessä toimiminen ja kaverisuhteet"},
    "pers_balans": {"text": "Liikkuminen, ulkoilu sekä tasapaino toiminnan ja levon välillä"},
    "pers_skapar": {"text": "Mitä oppilas tutkii ja luo"},
    "pers_fokus": {
        "text": _FOCUS,
        "choice_labels": ["Viihtyminen", "Kaverit", "Toiminta ja lepo", "Kiinnostuksen kohteet", "Muu"],
    },
    "rec_samtal": _NOTES,
    "rec_vh": _GUARDIANS,
    "rec_nasta": {"text": "Näiden asioiden parissa vapaa-ajankeskus jatkaa työtä"},
}
