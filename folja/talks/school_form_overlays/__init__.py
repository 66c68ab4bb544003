"""The school forms' built-in talk templates (förskoleklass, school years, fritidshem) in the
guardians' own languages (issue 32), one module per language, by section and question key.

Each module holds `FKLASS`, `SCHOOL` and `FRITIDSHEM`, overlays of the Swedish content in
`folja/talks/builtin_templates.py` in the shape of its English ones (`FKLASS_ENGLISH`, …): shown
instead of the Swedish text only while an organisation uses the built-in template unchanged
(`templates.localized_content`). Machine-made, not yet reviewed by native speakers
(docs/languages.md).
"""

from __future__ import annotations

from importlib import import_module

LANGUAGES = ("ar", "fa", "so", "uk", "fi")


def by_language(name: str) -> dict[str, dict[str, dict[str, object]]]:
    """Return {language: overlay} for the template `name` (FKLASS, SCHOOL or FRITIDSHEM)."""
    return {language: getattr(import_module(f"{__name__}.{language}"), name) for language in LANGUAGES}
