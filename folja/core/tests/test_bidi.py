"""Right to left: names isolated in translated sentences, the page's direction from its language."""

from __future__ import annotations

from django.template import Context, Template
from django.utils import translation


def test_bdi_isolates_and_escapes_a_name() -> None:
    rendered = Template("{% load bidi %}{{ name|bdi }}").render(Context({"name": "Alva <Lind>"}))
    assert rendered == "<bdi>Alva &lt;Lind&gt;</bdi>"


def test_bdi_leaves_an_empty_value_empty() -> None:
    assert Template("{% load bidi %}[{{ name|bdi }}]").render(Context({"name": ""})) == "[]"


def test_a_name_stays_isolated_inside_a_translated_sentence() -> None:
    template = Template(
        "{% load i18n bidi %}"
        "{% blocktranslate with name=child|bdi %}Kontaktuppgifter för {{ name }}{% endblocktranslate %}"
    )
    with translation.override("ar"):
        rendered = template.render(Context({"child": "Alva & Bo"}))
    assert "<bdi>Alva &amp; Bo</bdi>" in rendered


def test_the_template_names_no_name_in_an_attribute_with_bdi() -> None:
    """`<bdi>` is markup: inside an attribute or a <title> it would show as text."""
    import re
    from pathlib import Path

    from django.conf import settings

    offenders = []
    for path in (Path(settings.BASE_DIR) / "folja" / "templates").rglob("*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in re.finditer(r"\|bdi\b", line):
                before = line[: match.start()]
                in_title = (
                    "{% block title %}" in before and "{% endblock %}" not in before.split("{% block title %}")[-1]
                )
                if before.count('"') % 2 == 1 or in_title:
                    offenders.append(f"{path.name}:{number}")
    assert offenders == []
