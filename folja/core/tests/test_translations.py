"""Every catalogue is complete and well-formed, and English pages really are English.

The source strings are Swedish (LANGUAGE_CODE "sv"); folja/locale/<language> holds each other
language of settings.LANGUAGES (docs/languages.md). When this fails after new strings were added:
run `make makemessages` and translate every new entry in each catalogue (no empty msgstr, no
"#, fuzzy", the same placeholders and markup as the Swedish text, the language's plural forms).

The .mo files are build output (`make messages`), so the page tests compile the catalogue into a
temporary folder themselves and work on a fresh clone, with or without GNU gettext installed.
"""

from __future__ import annotations

import ast
import re
import shutil
import struct
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import translation

LOCALE_DIR = Path(django_settings.BASE_DIR) / "folja" / "locale"
EN_PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
SV_PO = LOCALE_DIR / "sv" / "LC_MESSAGES" / "django.po"

# %(name)s, %(count)d, %s; "%%" is a literal percent sign and no placeholder.
# Looked up through variables, so that `makemessages` does not collect this file's strings.
WELCOME = "Välkommen till Följa"
COMMENT, COMMENTS = "%(n)s kommentar", "%(n)s kommentarer"

_PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def parse_po(path: Path) -> list[Entry]:
    """Read a .po file: active entries only (obsolete `#~` entries are skipped), header included."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal current, target
        if current.line:
            entries.append(current)
        current, target = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line:
                finish()
            continue
        if line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            keyword, rest = "", line
        value = ast.literal_eval(rest) if rest else ""
        if keyword == "msgctxt":
            current.msgctxt, target = value, ("msgctxt", 0)
        elif keyword == "msgid":
            current.msgid, current.line, target = value, number, ("msgid", 0)
        elif keyword == "msgid_plural":
            current.msgid_plural, target = value, ("msgid_plural", 0)
        elif keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            current.msgstr[index], target = value, ("msgstr", index)
        elif keyword == "" and target is not None:
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += value
            else:
                setattr(current, name, (getattr(current, name) or "") + value)
        else:
            raise ValueError(f"{path}:{number}: cannot read {raw!r}")
    finish()
    return entries


def messages(path: Path) -> list[Entry]:
    """The translatable entries of a catalogue (everything but the header)."""
    return [entry for entry in parse_po(path) if entry.msgid]


def write_mo(entries: list[Entry], target: Path) -> None:
    """Write a GNU .mo file (little-endian, no hash table) from parsed, non-fuzzy entries."""
    catalogue: dict[bytes, bytes] = {}
    for entry in entries:
        if "fuzzy" in entry.flags and entry.msgid:
            continue
        key = entry.msgid if entry.msgid_plural is None else f"{entry.msgid}\x00{entry.msgid_plural}"
        if entry.msgctxt is not None:
            key = f"{entry.msgctxt}\x04{key}"
        value = "\x00".join(entry.msgstr[index] for index in sorted(entry.msgstr))
        if value.strip("\x00") or not entry.msgid:
            catalogue[key.encode()] = value.encode()
    keys = sorted(catalogue)
    start = 7 * 4 + 16 * len(keys)
    ids = strs = b""
    id_table, str_table = [], []
    for key in keys:
        id_table.append((len(key), start + len(ids)))
        ids += key + b"\x00"
    for key in keys:
        str_table.append((len(catalogue[key]), start + len(ids) + len(strs)))
        strs += catalogue[key] + b"\x00"
    header = struct.pack("<7I", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + 8 * len(keys), 0, 0)
    tables = b"".join(struct.pack("<2I", *pair) for pair in id_table + str_table)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(header + tables + ids + strs)


def compile_catalogue(po: Path, mo: Path) -> None:
    """Compile with msgfmt when GNU gettext is installed, else with the small writer above."""
    mo.parent.mkdir(parents=True, exist_ok=True)
    msgfmt = shutil.which("msgfmt")
    if msgfmt:
        subprocess.run([msgfmt, "--check", "-o", str(mo), str(po)], check=True, capture_output=True)
    else:
        write_mo(parse_po(po), mo)


@pytest.fixture
def english_catalogue(tmp_path, settings):
    """Compile the en catalogue into a temporary LOCALE_PATHS (never touching the working tree).

    Changing LOCALE_PATHS through the settings fixture makes Django drop its cached translations,
    both now and when the test ends.
    """
    compile_catalogue(EN_PO, tmp_path / "en" / "LC_MESSAGES" / "django.mo")
    settings.LOCALE_PATHS = [tmp_path]
    return tmp_path


def test_catalogues_exist():
    assert EN_PO.is_file(), "folja/locale/en/LC_MESSAGES/django.po is missing: run `make makemessages`"
    assert SV_PO.is_file(), "folja/locale/sv/LC_MESSAGES/django.po is missing: run `make makemessages`"


def test_en_catalogue_passes_msgfmt_check(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt not installed (apt-get install gettext); the other tests still check the catalogue")
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", str(tmp_path / "django.mo"), str(EN_PO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_en_catalogue_has_no_untranslated_or_fuzzy_entries():
    entries = messages(EN_PO)
    assert len(entries) > 100, "the en catalogue looks empty: run `make makemessages` and translate"
    fuzzy = [f"line {e.line}: {e.msgid[:60]!r}" for e in entries if "fuzzy" in e.flags]
    untranslated = [
        f"line {e.line}: {e.msgid[:60]!r}"
        for e in entries
        if not e.msgstr or any(not text.strip() for text in e.msgstr.values())
    ]
    assert not fuzzy, "fuzzy entries in the en catalogue (check and remove the flag):\n" + "\n".join(fuzzy)
    assert not untranslated, "untranslated entries in the en catalogue:\n" + "\n".join(untranslated)


def test_en_translations_keep_placeholders_and_plural_forms():
    problems = []
    for entry in messages(EN_PO):
        if entry.msgid_plural is not None:
            if sorted(entry.msgstr) != [0, 1]:
                problems.append(f"line {entry.line}: needs msgstr[0] and msgstr[1]")
            wanted = [sorted(_PLACEHOLDER.findall(entry.msgid)), sorted(_PLACEHOLDER.findall(entry.msgid_plural))]
        else:
            wanted = [sorted(_PLACEHOLDER.findall(entry.msgid))]
        for index, text in entry.msgstr.items():
            found = sorted(_PLACEHOLDER.findall(text))
            # A singular form may leave out the number (“one comment”), never a named placeholder.
            if found not in wanted and not (index == 0 and set(found) <= set(wanted[-1])):
                problems.append(f"line {entry.line}: {entry.msgid[:50]!r} has {found}, expected {wanted[-1]}")
    assert not problems, "\n".join(problems)


def test_sv_and_en_catalogues_hold_the_same_strings():
    def keys(path: Path) -> set[tuple[str | None, str]]:
        return {(entry.msgctxt, entry.msgid) for entry in messages(path)}

    assert keys(SV_PO) == keys(EN_PO), "run `make makemessages` so that both catalogues are up to date"


def test_sv_catalogue_keeps_the_swedish_source_text():
    translated = [e.msgid[:60] for e in messages(SV_PO) if any(text for text in e.msgstr.values())]
    assert not translated, f"the sv catalogue should have empty msgstr (the source is Swedish): {translated}"


def test_python_string_is_english_with_the_compiled_catalogue(english_catalogue):
    with translation.override("en"):
        assert translation.gettext(WELCOME) == "Welcome to Följa"
        assert translation.ngettext(COMMENT, COMMENTS, 2) % {"n": 2} == "2 comments"
    with translation.override("sv"):
        assert translation.gettext(WELCOME) == WELCOME


def test_write_mo_matches_the_catalogue(tmp_path):
    """The fallback compiler (used without gettext) produces a catalogue Python can read."""
    import gettext

    mo = tmp_path / "django.mo"
    write_mo(parse_po(EN_PO), mo)
    with mo.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    assert catalogue.gettext(WELCOME) == "Welcome to Följa"
    assert catalogue.ngettext(COMMENT, COMMENTS, 1) == "%(n)s comment"


@pytest.mark.django_db
def test_welcome_page_is_english_for_accept_language_en(client, english_catalogue):
    response = client.get("/", headers={"accept-language": "en"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en"' in html
    assert "<h1>Welcome to Följa</h1>" in html
    assert "Välkommen till Följa" not in html


@pytest.mark.django_db
def test_welcome_page_stays_swedish_by_default(client, english_catalogue):
    html = client.get("/", headers={"accept-language": "sv"}).content.decode()
    assert "<h1>Välkommen till Följa</h1>" in html


# --- every language -------------------------------------------------------------------------------

TRANSLATED = [code for code, _name in django_settings.LANGUAGES if code != django_settings.LANGUAGE_CODE]
# CLDR's plural categories as gettext counts them (the catalogue's Plural-Forms header must agree).
NPLURALS = {"en": 2, "ar": 6, "fa": 2, "so": 2, "uk": 4, "fi": 2}
# The plural forms that stand for one number only (n == 1; in Arabic also 0 and 2): they may say
# "one comment" instead of "1 comment", leaving out the count; every other form keeps it.
ONE_NUMBER_FORMS = {"en": {0}, "fi": {0}, "so": {0}, "ar": {0, 1, 2}, "fa": set(), "uk": set()}
_BRACE = re.compile(r"(?<!\{)\{[A-Za-z_][A-Za-z0-9_]*(?:![rsa])?(?::[^{}]*)?\}(?!\})")
_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>")


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def _header(path: Path) -> str:
    return next((entry.msgstr.get(0, "") for entry in parse_po(path) if not entry.msgid), "")


def _placeholders(text: str, brace: bool) -> list[str]:
    found = _PLACEHOLDER.findall(text) + (_BRACE.findall(text) if brace else [])
    return sorted(found)


def _tags(text: str) -> list[str]:
    return sorted(match.group(0).split()[0].rstrip(">").lower() for match in _TAG.finditer(text))


def placeholder_problems(entries: list[Entry], language: str) -> list[str]:
    """Return the entries whose translation has other placeholders or markup than the source."""
    problems = []
    one_number = ONE_NUMBER_FORMS.get(language, set())
    for entry in entries:
        brace = "python-brace-format" in entry.flags
        sources = [entry.msgid] if entry.msgid_plural is None else [entry.msgid, entry.msgid_plural]
        wanted = _placeholders(sources[-1], brace)
        for index, text in entry.msgstr.items():
            if not text:
                continue  # untranslated: the completeness test names it
            found = _placeholders(text, brace)
            may_leave_out = entry.msgid_plural is not None and index in one_number and set(found) <= set(wanted)
            if found not in (wanted, _placeholders(sources[0], brace)) and not may_leave_out:
                problems.append(f"line {entry.line} msgstr[{index}]: {entry.msgid[:50]!r} has {found}, not {wanted}")
            if _tags(text) not in (_tags(sources[-1]), _tags(sources[0])):
                problems.append(
                    f"line {entry.line} msgstr[{index}]: {entry.msgid[:50]!r}: other markup than the source"
                )
    return problems


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_language_has_a_catalogue(language: str) -> None:
    assert po_path(language).is_file(), f"folja/locale/{language} is missing: run `make makemessages`"


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalogue_has_no_untranslated_or_fuzzy_entries(language: str) -> None:
    entries = messages(po_path(language))
    fuzzy = [f"line {e.line}: {e.msgid[:60]!r}" for e in entries if "fuzzy" in e.flags]
    untranslated = [
        f"line {e.line}: {e.msgid[:60]!r}"
        for e in entries
        if not e.msgstr or any(not text.strip() for text in e.msgstr.values())
    ]
    assert not fuzzy, f"{len(fuzzy)} fuzzy entries in the {language} catalogue:\n" + "\n".join(fuzzy[:20])
    assert not untranslated, (
        f"{len(untranslated)} of {len(entries)} entries untranslated in the {language} catalogue:\n"
        + "\n".join(untranslated[:20])
    )


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalogue_keeps_placeholders_and_markup(language: str) -> None:
    problems = placeholder_problems(messages(po_path(language)), language)
    assert not problems, f"the {language} catalogue:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalogue_has_the_plural_forms_of_its_language(language: str) -> None:
    header = _header(po_path(language))
    match = re.search(r"Plural-Forms:\s*nplurals=(\d+);", header)
    assert match, f"the {language} catalogue has no Plural-Forms header"
    nplurals = int(match.group(1))
    assert nplurals == NPLURALS[language], f"{language} has {NPLURALS[language]} plural forms, not {nplurals}"
    wrong = [
        f"line {e.line}: {e.msgid[:50]!r} has {len(e.msgstr)} forms"
        for e in messages(po_path(language))
        if e.msgid_plural is not None and sorted(e.msgstr) != list(range(nplurals))
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalogue_holds_the_same_strings_as_the_source(language: str) -> None:
    def keys(path: Path) -> set[tuple[str | None, str]]:
        return {(entry.msgctxt, entry.msgid) for entry in messages(path)}

    assert keys(po_path(language)) == keys(SV_PO), "run `make makemessages` so that every catalogue is up to date"


def test_every_language_has_its_plural_rule_listed_here() -> None:
    assert set(TRANSLATED) == set(NPLURALS) == set(ONE_NUMBER_FORMS)


def test_makemessages_updates_every_language() -> None:
    makefile = (Path(django_settings.BASE_DIR) / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^LANGS := (.+)$", makefile, re.MULTILINE)
    assert match and set(match.group(1).split()) == {code for code, _name in django_settings.LANGUAGES}


# The checks themselves, on made-up entries: they catch what they are for.


def test_the_check_catches_a_changed_placeholder() -> None:
    entry = Entry(msgid="Hej %(name)s", msgstr={0: "Hello %(nom)s"}, line=1)
    assert placeholder_problems([entry], "en")


def test_the_check_catches_a_lost_tag_and_a_lost_brace() -> None:
    tag = Entry(msgid="<strong>Obs</strong> läs", msgstr={0: "Note: read"}, line=1)
    brace = Entry(msgid="Om {name}", msgstr={0: "About"}, flags={"python-brace-format"}, line=2)
    assert len(placeholder_problems([tag, brace], "en")) == 2


def test_the_check_lets_one_number_forms_leave_out_the_count() -> None:
    entry = Entry(
        msgid="%(n)s kommentar",
        msgid_plural="%(n)s kommentarer",
        msgstr={0: "no comments", 1: "one comment", 2: "two comments", 3: "%(n)s c", 4: "%(n)s c", 5: "%(n)s c"},
        line=1,
    )
    assert placeholder_problems([entry], "ar") == []
    entry.msgstr = {0: "one comment", 1: "few", 2: "%(n)s", 3: "%(n)s"}
    assert len(placeholder_problems([entry], "uk")) == 2
