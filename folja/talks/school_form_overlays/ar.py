"""The school forms' built-in talk templates in ar (see __init__.py).

Machine-made (AI model), not reviewed by a native speaker. Terms as in the ar catalogue's term list
and the preschool template (`template_languages.ARABIC`); the reader is addressed in the singular.
"""

from __future__ import annotations

FKLASS: dict[str, dict[str, object]] = {
    "vh_trivsel": {"title": "قبل المحادثة – أفكارك"},
    "vh_trivs": {
        "text": "كيف تشعر أن طفلك مرتاح في الصف التمهيدي؟",
        "min_label": "غير مرتاح أبدًا",
        "max_label": "مرتاح جدًا",
    },
    "vh_berattar": {"text": "ماذا يحكي طفلك عادةً في البيت عن الصف التمهيدي؟"},
    "vh_overgang": {"text": "كيف ترى أن انتقال طفلك من الروضة إلى الصف التمهيدي قد سار؟"},
    "vh_intressen": {"text": "بماذا يهتم طفلك الآن؟"},
    "vh_fragor": {"text": "هل هناك شيء تريد أن نتحدث عنه في المحادثة؟"},
    "pers_utveckling": {"title": "نمو التلميذ وتعلّمه"},
    "pers_trygghet": {"text": "الشعور بالأمان والراحة في المجموعة"},
    "pers_sprak": {"text": "اللغة والتواصل: الاستماع والحكي والتعرّف على الحروف"},
    "pers_matematik": {"text": "استخدام الرياضيات: الأعداد والأشكال والأنماط"},
    "pers_lek": {"text": "اللعب والتفاعل والعلاقات"},
    "pers_rorelse": {"text": "الحركة والوقت في الهواء الطلق"},
    "pers_fokus": {
        "text": "ما الذي تريد أن نتحدث عنه بشكل خاص في المحادثة؟",
        "choice_labels": ["الراحة", "اللغة", "الرياضيات", "اللعب والتفاعل", "شيء آخر"],
    },
    "rec_samtal": {"title": "ملاحظات من المحادثة", "text": "هذا ما تحدثنا عنه"},
    "rec_vh": {"text": "هذا ما طرحه أولياء الأمور"},
    "rec_nasta": {"text": "هذا ما سيواصل الصف التمهيدي العمل عليه"},
}

SCHOOL: dict[str, dict[str, object]] = {
    "elev_forberedelse": {"title": "تحضيري"},
    "elev_trivs": {"text": "كيف تشعر في المدرسة؟", "min_label": "غير مرتاح أبدًا", "max_label": "مرتاح جدًا"},
    "elev_roligt": {"text": "هذا ما أستمتع به في المدرسة"},
    "elev_battre": {"text": "هذا ما صرت أفضل فيه"},
    "elev_utveckla": {"text": "هذا ما أريد أن أصبح أفضل فيه"},
    "elev_prata": {"text": "هذا ما أريد أن أتحدث عنه في المحادثة"},
    "vh_trivsel": {"title": "قبل المحادثة – أفكارك"},
    "vh_trivs": {
        "text": "كيف تشعر أن طفلك مرتاح في المدرسة؟",
        "min_label": "غير مرتاح أبدًا",
        "max_label": "مرتاح جدًا",
    },
    "vh_berattar": {"text": "ماذا يحكي طفلك عادةً في البيت عن المدرسة؟"},
    "vh_skolarbete": {"text": "كيف تسير الواجبات المنزلية والعمل المدرسي في البيت؟"},
    "vh_fragor": {"text": "هل هناك شيء تريد أن نتحدث عنه في المحادثة؟"},
    "pers_utveckling": {"title": "تطوّر معارف التلميذ ونموّه الاجتماعي"},
    "pers_kunskaper": {"text": "تطوّر المعارف في المواد الدراسية"},
    "pers_arbetssatt": {"text": "طرق العمل والهدوء أثناء الدراسة"},
    "pers_trygghet": {"text": "الشعور بالأمان والراحة، والعلاقات مع الزملاء"},
    "pers_nasta": {"text": "ما يحتاج التلميذ إلى تطويره في المرحلة القادمة"},
    "pers_fokus": {
        "text": "ما الذي تريد أن نتحدث عنه بشكل خاص في المحادثة؟",
        "choice_labels": ["الراحة", "المعارف", "طرق العمل", "العلاقات مع الزملاء", "شيء آخر"],
    },
    "rec_samtal": {"title": "ملاحظات من المحادثة", "text": "هذا ما تحدثنا عنه"},
    "rec_elev": {"text": "هذا ما طرحه التلميذ"},
    "rec_vh": {"text": "هذا ما طرحه أولياء الأمور"},
    "rec_nasta": {"text": "هذا ما ستواصل المدرسة العمل عليه"},
}

FRITIDSHEM: dict[str, dict[str, object]] = {
    "vh_trivsel": {"title": "قبل المحادثة – أفكارك"},
    "vh_trivs": {
        "text": "كيف تشعر أن طفلك مرتاح في مركز الترفيه بعد المدرسة (fritidshem)؟",
        "min_label": "غير مرتاح أبدًا",
        "max_label": "مرتاح جدًا",
    },
    "vh_berattar": {"text": "ماذا يحكي طفلك عادةً في البيت عن مركز الترفيه؟"},
    "vh_mer": {"text": "ماذا يريد طفلك أن يفعل أكثر في مركز الترفيه؟"},
    "vh_fragor": {"text": "هل هناك شيء تريد أن نتحدث عنه في المحادثة؟"},
    "pers_utveckling": {"title": "التلميذ في مركز الترفيه بعد المدرسة"},
    "pers_trygghet": {"text": "الشعور بالأمان والراحة"},
    "pers_lek": {"text": "اللعب والتفاعل والصداقات"},
    "pers_balans": {"text": "الحركة والوقت في الهواء الطلق، والتوازن بين النشاط والاستراحة"},
    "pers_skapar": {"text": "ما يستكشفه التلميذ ويبدعه"},
    "pers_fokus": {
        "text": "ما الذي تريد أن نتحدث عنه بشكل خاص في المحادثة؟",
        "choice_labels": ["الراحة", "الأصدقاء", "النشاط والاستراحة", "الاهتمامات", "شيء آخر"],
    },
    "rec_samtal": {"title": "ملاحظات من المحادثة", "text": "هذا ما تحدثنا عنه"},
    "rec_vh": {"text": "هذا ما طرحه أولياء الأمور"},
    "rec_nasta": {"text": "هذا ما سيواصل مركز الترفيه العمل عليه"},
}
