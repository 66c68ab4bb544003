"""The built-in talk template in the guardians' own languages (issue 32), by section and question key.

Shown instead of the Swedish text only while an organisation uses the built-in template unchanged
(`templates.localized_content`); a template an organisation wrote is shown as written. Choice
answers keep their Swedish values (what is stored); `choice_labels` are what the reader sees, in
the same order. Written in plain language by the developers (machine-assisted), not yet reviewed
by native speakers (docs/languages.md). Finnish uses the Sweden Finnish word for förskola, "esikoulu".
"""

from __future__ import annotations

ARABIC: dict[str, dict[str, object]] = {
    "vh_trivsel": {"title": "قبل المحادثة – أفكارك"},
    "vh_trivs": {
        "text": "كيف تشعر أن طفلك مرتاح في الروضة؟",
        "min_label": "غير مرتاح أبدًا",
        "max_label": "مرتاح جدًا",
    },
    "vh_berattar": {"text": "ماذا يحكي طفلك عادةً في البيت عن الروضة؟"},
    "vh_intressen": {"text": "بماذا يهتم طفلك الآن؟"},
    "vh_fragor": {"text": "هل هناك شيء تريد أن نتحدث عنه في المحادثة؟"},
    "pers_utveckling": {"title": "نمو الطفل وتعلّمه"},
    "pers_trygghet": {"text": "الشعور بالأمان والراحة في المجموعة"},
    "pers_sprak": {"text": "اللغة والتواصل"},
    "pers_lek": {"text": "اللعب والتفاعل والصداقة"},
    "pers_larande": {"text": "ما يكتشفه الطفل ويتعلمه الآن"},
    "pers_fokus": {
        "text": "ما الذي تريد أن نتحدث عنه بشكل خاص في المحادثة؟",
        "choice_labels": ["الراحة", "اللغة", "اللعب والتفاعل", "الحركة", "شيء آخر"],
    },
    "rec_samtal": {"title": "ملاحظات من المحادثة", "text": "هذا ما تحدثنا عنه"},
    "rec_vh": {"text": "هذا ما طرحه أولياء الأمور"},
    "rec_nasta": {"text": "هذا ما ستواصل الروضة العمل عليه"},
}

PERSIAN: dict[str, dict[str, object]] = {
    "vh_trivsel": {"title": "پیش از گفت‌وگو – نظر شما"},
    "vh_trivs": {
        "text": "به نظر شما فرزندتان در مهدکودک چقدر احساس خوبی دارد؟",
        "min_label": "اصلاً",
        "max_label": "خیلی خوب",
    },
    "vh_berattar": {"text": "فرزندتان معمولاً در خانه دربارهٔ مهدکودک چه می‌گوید؟"},
    "vh_intressen": {"text": "فرزندتان این روزها به چه چیزهایی علاقه دارد؟"},
    "vh_fragor": {"text": "آیا موضوعی هست که بخواهید در گفت‌وگو دربارهٔ آن صحبت کنیم؟"},
    "pers_utveckling": {"title": "رشد و یادگیری کودک"},
    "pers_trygghet": {"text": "احساس امنیت و آرامش در گروه"},
    "pers_sprak": {"text": "زبان و ارتباط"},
    "pers_lek": {"text": "بازی، تعامل و دوستی"},
    "pers_larande": {"text": "آنچه کودک این روزها کشف می‌کند و یاد می‌گیرد"},
    "pers_fokus": {
        "text": "دوست دارید در گفت‌وگو به‌ویژه دربارهٔ چه چیزی صحبت کنیم؟",
        "choice_labels": ["احساس خوب", "زبان", "بازی و تعامل", "مهارت‌های حرکتی", "موضوع دیگر"],
    },
    "rec_samtal": {"title": "یادداشت‌های گفت‌وگو", "text": "دربارهٔ این‌ها صحبت کردیم"},
    "rec_vh": {"text": "این‌ها را سرپرستان مطرح کردند"},
    "rec_nasta": {"text": "مهدکودک روی این‌ها به کار ادامه می‌دهد"},
}

SOMALI: dict[str, dict[str, object]] = {
    "vh_trivsel": {"title": "Wada-hadalka ka hor – fikradahaaga"},
    "vh_trivs": {
        "text": "Sidee u malaynaysaa inuu ilmahaagu ugu faraxsan yahay xannaanada?",
        "min_label": "Haba yaraatee",
        "max_label": "Aad u fiican",
    },
    "vh_berattar": {"text": "Maxaa ilmahaagu badanaa gurigu kaga sheekeeyaa xannaanada?"},
    "vh_intressen": {"text": "Maxaa hadda xiiseeya ilmahaaga?"},
    "vh_fragor": {"text": "Ma jiraa wax aad jeclaan lahayd inaan ka hadalno wada-hadalka?"},
    "pers_utveckling": {"title": "Korriinka iyo waxbarashada ilmaha"},
    "pers_trygghet": {"text": "Nabadgelyada iyo farxadda kooxda dhexdeeda"},
    "pers_sprak": {"text": "Luqadda iyo xiriirka"},
    "pers_lek": {"text": "Ciyaarta, wada-shaqeynta iyo saaxiibtinimada"},
    "pers_larande": {"text": "Waxa ilmuhu hadda sahaminayo oo uu baranayo"},
    "pers_fokus": {
        "text": "Maxaad si gaar ah u jeclaan lahayd inaan ka hadalno wada-hadalka?",
        "choice_labels": ["Farxadda", "Luqadda", "Ciyaarta iyo wada-shaqeynta", "Dhaqdhaqaaqa jirka", "Wax kale"],
    },
    "rec_samtal": {"title": "Qoraallada wada-hadalka", "text": "Waxaan ka hadalnay arrimahan"},
    "rec_vh": {"text": "Waalidiintu waxay soo qaadeen arrimahan"},
    "rec_nasta": {"text": "Xannaanadu waxay sii wadi doontaa inay ka shaqeyso arrimahan"},
}

UKRAINIAN: dict[str, dict[str, object]] = {
    "vh_trivsel": {"title": "Перед розмовою – ваші думки"},
    "vh_trivs": {
        "text": "Як, на вашу думку, почувається ваша дитина в садочку?",
        "min_label": "Зовсім погано",
        "max_label": "Дуже добре",
    },
    "vh_berattar": {"text": "Що ваша дитина зазвичай розповідає вдома про садочок?"},
    "vh_intressen": {"text": "Чим ваша дитина цікавиться зараз?"},
    "vh_fragor": {"text": "Чи є щось, про що ви хотіли б поговорити під час розмови?"},
    "pers_utveckling": {"title": "Розвиток і навчання дитини"},
    "pers_trygghet": {"text": "Почуття безпеки та добре самопочуття в групі"},
    "pers_sprak": {"text": "Мова та спілкування"},
    "pers_lek": {"text": "Гра, взаємодія та дружба"},
    "pers_larande": {"text": "Що дитина досліджує і чого вчиться зараз"},
    "pers_fokus": {
        "text": "Про що ви особливо хотіли б поговорити під час розмови?",
        "choice_labels": ["Самопочуття", "Мова", "Гра та взаємодія", "Рух і моторика", "Інше"],
    },
    "rec_samtal": {"title": "Нотатки з розмови", "text": "Ось про що ми говорили"},
    "rec_vh": {"text": "Ось що порушили батьки або опікуни"},
    "rec_nasta": {"text": "Ось над чим садочок працюватиме далі"},
}

FINNISH: dict[str, dict[str, object]] = {
    "vh_trivsel": {"title": "Ennen keskustelua – sinun ajatuksesi"},
    "vh_trivs": {
        "text": "Miten lapsesi mielestäsi viihtyy esikoulussa?",
        "min_label": "Ei lainkaan",
        "max_label": "Erittäin hyvin",
    },
    "vh_berattar": {"text": "Mitä lapsesi yleensä kertoo kotona esikoulusta?"},
    "vh_intressen": {"text": "Mistä lapsesi on nyt kiinnostunut?"},
    "vh_fragor": {"text": "Onko jotain, mistä haluaisit puhua keskustelussa?"},
    "pers_utveckling": {"title": "Lapsen kehitys ja oppiminen"},
    "pers_trygghet": {"text": "Turvallisuuden tunne ja viihtyminen ryhmässä"},
    "pers_sprak": {"text": "Kieli ja vuorovaikutus"},
    "pers_lek": {"text": "Leikki, yhdessä toimiminen ja ystävyys"},
    "pers_larande": {"text": "Mitä lapsi tutkii ja oppii juuri nyt"},
    "pers_fokus": {
        "text": "Mistä haluaisit erityisesti puhua keskustelussa?",
        "choice_labels": ["Viihtyminen", "Kieli", "Leikki ja yhdessä toimiminen", "Liikkuminen", "Muu"],
    },
    "rec_samtal": {"title": "Muistiinpanot keskustelusta", "text": "Näistä asioista puhuimme"},
    "rec_vh": {"text": "Nämä asiat huoltajat ottivat esiin"},
    "rec_nasta": {"text": "Näiden asioiden parissa esikoulu jatkaa työtä"},
}

BY_LANGUAGE = {"ar": ARABIC, "fa": PERSIAN, "so": SOMALI, "uk": UKRAINIAN, "fi": FINNISH}
