"""The school forms' built-in talk templates in so (see __init__.py).

Machine-made (AI model), not yet reviewed by a native speaker (docs/languages.md). Terms as in the
Somali catalogue's term list: fasalka diyaarinta (förskoleklass), xarunta waqtiga firaaqada
(fritidshem), mas'uuliyiinta ilmaha (vårdnadshavare), arday (elev), diyaargarow (förberedelse).
"""

from __future__ import annotations

FKLASS: dict[str, dict[str, object]] = {
    "vh_trivsel": {"title": "Wada-hadalka ka hor – fikradahaaga"},
    "vh_trivs": {
        "text": "Sidee u malaynaysaa inuu ilmahaagu ugu faraxsan yahay fasalka diyaarinta?",
        "min_label": "Haba yaraatee",
        "max_label": "Aad u fiican",
    },
    "vh_berattar": {"text": "Maxaa ilmahaagu badanaa guriga kaga sheekeeyaa fasalka diyaarinta?"},
    "vh_overgang": {"text": "Sidee buu ilmahaagu u maray u-gudbidda xannaanada ilaa fasalka diyaarinta?"},
    "vh_intressen": {"text": "Maxaa hadda xiiseeya ilmahaaga?"},
    "vh_fragor": {"text": "Ma jiraa wax aad jeclaan lahayd inaan ka hadalno wada-hadalka?"},
    "pers_utveckling": {"title": "Korriinka iyo waxbarashada ardayga"},
    "pers_trygghet": {"text": "Nabadgelyada iyo farxadda kooxda dhexdeeda"},
    "pers_sprak": {"text": "Luqadda iyo xiriirka: dhegaysiga, sheekaynta iyo barashada xarfaha"},
    "pers_matematik": {"text": "Isticmaalka xisaabta: tirooyinka, qaababka iyo naqshadaha"},
    "pers_lek": {"text": "Ciyaarta, wada-shaqeynta iyo xiriirrada"},
    "pers_rorelse": {"text": "Dhaqdhaqaaqa jirka iyo waqtiga bannaanka"},
    "pers_fokus": {
        "text": "Maxaad si gaar ah u jeclaan lahayd inaan ka hadalno wada-hadalka?",
        "choice_labels": ["Farxadda", "Luqadda", "Xisaabta", "Ciyaarta iyo wada-shaqeynta", "Wax kale"],
    },
    "rec_samtal": {"title": "Qoraallada wada-hadalka", "text": "Waxaan ka hadalnay arrimahan"},
    "rec_vh": {"text": "Mas'uuliyiinta ilmaha waxay soo qaadeen arrimahan"},
    "rec_nasta": {"text": "Fasalka diyaarintu wuxuu sii wadi doonaa inuu ka shaqeeyo arrimahan"},
}

SCHOOL: dict[str, dict[str, object]] = {
    "elev_forberedelse": {"title": "Diyaargarowgayga"},
    "elev_trivs": {
        "text": "Sidee ugu faraxsan tahay dugsiga?",
        "min_label": "Haba yaraatee",
        "max_label": "Aad u fiican",
    },
    "elev_roligt": {"text": "Waxyaalahan ayaa igu xiiso badan dugsiga"},
    "elev_battre": {"text": "Waxyaalahan ayaan ku fiicnaaday"},
    "elev_utveckla": {"text": "Waxyaalahan ayaan rabaa inaan ku fiicnaado"},
    "elev_prata": {"text": "Waxyaalahan ayaan rabaa inaan ka hadlo wada-hadalka"},
    "vh_trivsel": {"title": "Wada-hadalka ka hor – fikradahaaga"},
    "vh_trivs": {
        "text": "Sidee u malaynaysaa inuu ilmahaagu ugu faraxsan yahay dugsiga?",
        "min_label": "Haba yaraatee",
        "max_label": "Aad u fiican",
    },
    "vh_berattar": {"text": "Maxaa ilmahaagu badanaa guriga kaga sheekeeyaa dugsiga?"},
    "vh_skolarbete": {"text": "Sidee bay guriga uga socdaan layliyada guriga iyo shaqada dugsiga?"},
    "vh_fragor": {"text": "Ma jiraa wax aad jeclaan lahayd inaan ka hadalno wada-hadalka?"},
    "pers_utveckling": {"title": "Horumarka aqoonta iyo horumarka bulsheed ee ardayga"},
    "pers_kunskaper": {"text": "Horumarka aqoonta ee maaddooyinka"},
    "pers_arbetssatt": {"text": "Hababka shaqada iyo jawi waxbarasho oo deggan"},
    "pers_trygghet": {"text": "Nabadgelyada, farxadda iyo xiriirka asxaabta fasalka"},
    "pers_nasta": {"text": "Waxa ardaygu u baahan yahay inuu horumariyo marka xigta"},
    "pers_fokus": {
        "text": "Maxaad si gaar ah u jeclaan lahayd inaan ka hadalno wada-hadalka?",
        "choice_labels": ["Farxadda", "Aqoonta", "Hababka shaqada", "Asxaabta fasalka", "Wax kale"],
    },
    "rec_samtal": {"title": "Qoraallada wada-hadalka", "text": "Waxaan ka hadalnay arrimahan"},
    "rec_elev": {"text": "Ardaygu wuxuu soo qaaday arrimahan"},
    "rec_vh": {"text": "Mas'uuliyiinta ilmaha waxay soo qaadeen arrimahan"},
    "rec_nasta": {"text": "Dugsigu wuxuu sii wadi doonaa inuu ka shaqeeyo arrimahan"},
}

FRITIDSHEM: dict[str, dict[str, object]] = {
    "vh_trivsel": {"title": "Wada-hadalka ka hor – fikradahaaga"},
    "vh_trivs": {
        "text": "Sidee u malaynaysaa inuu ilmahaagu ugu faraxsan yahay xarunta waqtiga firaaqada?",
        "min_label": "Haba yaraatee",
        "max_label": "Aad u fiican",
    },
    "vh_berattar": {"text": "Maxaa ilmahaagu badanaa guriga kaga sheekeeyaa xarunta firaaqada?"},
    "vh_mer": {"text": "Maxaa ilmahaagu jeclaan lahaa inuu in badan sameeyo xarunta firaaqada?"},
    "vh_fragor": {"text": "Ma jiraa wax aad jeclaan lahayd inaan ka hadalno wada-hadalka?"},
    "pers_utveckling": {"title": "Ardayga xarunta waqtiga firaaqada"},
    "pers_trygghet": {"text": "Nabadgelyada iyo farxadda"},
    "pers_lek": {"text": "Ciyaarta, wada-shaqeynta iyo saaxiibtinimada"},
    "pers_balans": {"text": "Dhaqdhaqaaqa jirka, waqtiga bannaanka iyo isu dheellitirka hawsha iyo nasashada"},
    "pers_skapar": {"text": "Waxa ardaygu sahamiyo oo uu abuuro"},
    "pers_fokus": {
        "text": "Maxaad si gaar ah u jeclaan lahayd inaan ka hadalno wada-hadalka?",
        "choice_labels": ["Farxadda", "Saaxiibbada", "Hawsha iyo nasashada", "Xiisaha", "Wax kale"],
    },
    "rec_samtal": {"title": "Qoraallada wada-hadalka", "text": "Waxaan ka hadalnay arrimahan"},
    "rec_vh": {"text": "Mas'uuliyiinta ilmaha waxay soo qaadeen arrimahan"},
    "rec_nasta": {"text": "Xarunta firaaqadu waxay sii wadi doontaa inay ka shaqeyso arrimahan"},
}
