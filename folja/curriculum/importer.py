"""Import curricula and subject syllabi in the format of Skolverket's open syllabus API.

The API gives HTML text fields and no ids for the items inside them, so goal ids are derived:
`<code>-<area>-<hash of the normalised text>`. The id does not depend on position, so a reordered
list keeps its ids. When a new version rewords an item, the importer matches it to the old item
of the same area by similarity and keeps the old id, so coverage stays comparable over versions.

Every import makes a new curriculum version (new Goal rows with the same keys); the old rows
stay, so posts keep pointing at the text they were linked to. The whole import is one
transaction: bad input imports nothing.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from folja.core.dates import today
from folja.curriculum.loader import fold
from folja.curriculum.models import Curriculum, Goal, GoalArea, forget_goal_choices

# A reworded item is "the same goal" when its text is at least this similar to the old one.
SIMILARITY_FOR_CHANGED = 0.75

# Response metadata every API answer carries (SubjectResponse, CurriculumResponse …): not content.
METADATA_FIELDS = {
    "apiPublisher", "apiName", "apiVersion", "apiReleased", "apiStatus", "apiDocumentation",
    "apiDeprecation", "apiLink", "apiSunset", "dataOrigin", "calledMethod", "totalElements",
    "processingTime", "startedCaching", "codeParam", "dateParam", "versionParam", "timeSpanParam",
    "schoolTypeParam", "typeOfSyllabusParam",
}  # fmt: skip
CURRICULUM_FIELDS = {
    "code", "name", "englishName", "startDate", "endDate", "modifiedDate", "version", "versionInfo",
    "skolfsGrund", "skolfsAndring", "schoolTypes", "heading", "sections",
}  # fmt: skip
SECTION_FIELDS = {"heading", "content", "type", "sortOrder"}
SUBJECT_FIELDS = {
    "codeHeading", "code", "name", "previousCode", "englishName", "typeOfSyllabus", "startDate", "endDate",
    "modifiedDate", "validTo", "version", "versionInfo", "pointsHeading", "pointHeading", "points",
    "skolfsGrund", "skolfsAndring", "gradeScale", "nameHeading", "description", "designation",
    "educationalObjectives", "educationalStructure", "readAndWriteLearning", "assessment", "purposeHeading",
    "purpose", "categories", "schoolTypes", "coursesHeading", "courses", "appendix2List", "centralCntHeading",
    "centralContents", "knowledgeReqsHeading", "knowledgeRequirements",
}  # fmt: skip
CENTRAL_CONTENT_FIELDS = {"text", "year", "typeOfCentralContent"}


class SyllabusImportError(Exception):
    """Raised for input that cannot be imported; nothing is written when it is raised."""


# ---------------------------------------------------------------------------------------------
# HTML → blocks
# ---------------------------------------------------------------------------------------------


@dataclass
class Block:
    kind: str  # "heading", "p" or "li"
    text: str
    level: int = 0


class _BlockParser(HTMLParser):
    """Split an API HTML field into headings, paragraphs and list items (nested items stand alone)."""

    HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.stack: list[tuple[str, list[str]]] = []
        self.loose: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HEADINGS or tag in ("p", "li"):
            self._flush_loose()
            self.stack.append((tag, []))
        elif tag == "br" and self.stack:
            self.stack[-1][1].append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "ul" or tag == "ol":
            self._flush_loose()
        if not self.stack or self.stack[-1][0] != tag:
            return
        name, parts = self.stack.pop()
        text = clean_text("".join(parts))
        if text:
            kind = "heading" if name in self.HEADINGS else name
            self.blocks.append(Block(kind=kind, text=text, level=int(name[1]) if kind == "heading" else 0))

    def handle_data(self, data: str) -> None:
        (self.stack[-1][1] if self.stack else self.loose).append(data)

    def _flush_loose(self) -> None:
        text = clean_text("".join(self.loose))
        self.loose = []
        if text:
            self.blocks.append(Block(kind="p", text=text))

    def close(self) -> None:
        super().close()
        while self.stack:
            self.handle_endtag(self.stack[-1][0])
        self._flush_loose()


def html_blocks(html: str) -> list[Block]:
    """Return the headings, paragraphs and list items of an HTML text field, in order."""
    parser = _BlockParser()
    parser.feed(html or "")
    parser.close()
    return parser.blocks


def clean_text(text: str) -> str:
    """Return text with whitespace collapsed and list punctuation removed (trailing ",", ".", "och")."""
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()
    text = re.sub(r"\s*[,;.:]+$", "", text)
    return re.sub(r"\s+(och|samt)$", "", text).strip()


def normalised(text: str) -> str:
    """Return the form of a text that its id is hashed from: case-folded, NFKC, single spaces, no punctuation."""
    text = unicodedata.normalize("NFKC", clean_text(text)).casefold()
    return re.sub(r"[^\w ]+", "", re.sub(r"\s+", " ", text)).strip()


def derive_key(code: str, area_code: str, text: str) -> str:
    """Return a goal id that depends on the curriculum code, the area and the text, never on position."""
    digest = hashlib.sha256(normalised(text).encode("utf-8")).hexdigest()[:10]
    return f"{slugify(code)}-{slugify(area_code.replace('.', '-'))[:40]}-{digest}"


# ---------------------------------------------------------------------------------------------
# Documents → parsed curriculum
# ---------------------------------------------------------------------------------------------


@dataclass
class ParsedArea:
    code: str
    title: str
    seq: int
    has_child_goals: bool = False
    note: str = ""
    school_types: list[str] = field(default_factory=list)


@dataclass
class ParsedGoal:
    key: str
    area_code: str
    seq: int
    text: str
    tags: list[str]


@dataclass
class ParsedCurriculum:
    code: str
    version: str
    name: str
    school_types: list[str]
    in_force_from: dt.date | None
    in_force_to: dt.date | None
    goal_stem: str
    source_note: str
    areas: list[ParsedArea] = field(default_factory=list)
    goals: list[ParsedGoal] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add_goal(self, area_code: str, text: str, tag: str) -> None:
        key = derive_key(self.code, area_code, text)
        if any(g.key == key for g in self.goals):
            self.warnings.append(f"Duplicate item in {area_code} skipped: {text[:60]!r}")
            return
        seq = 1 + sum(1 for g in self.goals if g.area_code == area_code)
        self.goals.append(ParsedGoal(key=key, area_code=area_code, seq=seq, text=text, tags=[tag]))


def _warn_unknown(obj: dict[str, Any], known: set[str], where: str, warnings: list[str]) -> None:
    for name in sorted(set(obj) - known):
        warnings.append(f"Unknown field {where}.{name} ignored")


def _date(value: Any, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise SyllabusImportError(f"{name} is not a date: {value!r}") from exc


def _version(obj: dict[str, Any]) -> str:
    version = obj.get("version")
    if version in (None, ""):
        raise SyllabusImportError(f"{obj.get('code', '?')}: the field 'version' is missing")
    modified = str(obj.get("modifiedDate") or "")[:10]
    # A correction published under the same version number still becomes a version of its own.
    return f"{version}-{modified}" if modified else str(version)


def _require_text(obj: dict[str, Any], name: str, where: str) -> str:
    value = obj.get(name)
    if not isinstance(value, str) or not value.strip():
        raise SyllabusImportError(f"{where}: the field {name!r} is missing or empty")
    return value.strip()


NUMBERED = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+(.+)$")
GOAL_HEADINGS = ("mål", "syfte")
GUIDELINE_HEADINGS = ("riktlinjer",)
CONTENT_HEADINGS = ("centralt innehåll",)
GOAL_LEAD_INS = ("förutsättningar att", "förmåga att", "skolans mål är att")
# The chapters of Lgr22 (and Lspec, Lsam) written for one school type: their areas are offered
# to that school type only (curriculum.offer); every other area to all the curriculum's types.
AREA_SCHOOL_TYPES = (("förskoleklass", ["FKLASS"]), ("fritidshem", ["FTH"]))


def area_school_types(heading: str) -> list[str]:
    """Return the school types an area serves by its section heading ([] for all)."""
    lowered = heading.casefold()
    return next((list(types) for word, types in AREA_SCHOOL_TYPES if word in lowered), [])


def parse_curriculum(obj: dict[str, Any], warnings: list[str]) -> ParsedCurriculum:
    """Return the areas and goals of a curriculum document (`CurriculumResponse.curriculum`).

    Sections become areas; a numbered heading inside a section ("2.2 Kunskaper") starts an area
    of its own. List items under a "Mål"/"Syfte" heading, or after a lead-in such as "… ska ge
    varje elev förutsättningar att", are goals; items under "Riktlinjer" are guidelines, which
    mark the area as holding no goals for the child, and are not imported as goals.
    """
    _warn_unknown(obj, CURRICULUM_FIELDS, "curriculum", warnings)
    code = _require_text(obj, "code", "curriculum")
    parsed = ParsedCurriculum(
        code=code,
        version=_version(obj),
        name=_require_text(obj, "name", "curriculum"),
        school_types=[str(s) for s in obj.get("schoolTypes") or []],
        in_force_from=_date(obj.get("startDate"), "startDate"),
        in_force_to=_date(obj.get("endDate"), "endDate"),
        goal_stem="",
        source_note=" ".join(x for x in (obj.get("skolfsGrund") or "", obj.get("skolfsAndring") or "") if x),
        warnings=warnings,
    )
    sections = obj.get("sections") or []
    if not isinstance(sections, list):
        raise SyllabusImportError("curriculum.sections is not a list")
    areas: dict[str, ParsedArea] = {}

    def area_for(code_: str, title: str, school_types: list[str]) -> str:
        if code_ not in areas:
            areas[code_] = ParsedArea(code=code_, title=title[:300], seq=len(areas) + 1, school_types=school_types)
        return code_

    for index, section in enumerate(sorted(sections, key=lambda s: s.get("sortOrder") or 0)):
        if not isinstance(section, dict):
            raise SyllabusImportError(f"curriculum.sections[{index}] is not an object")
        _warn_unknown(section, SECTION_FIELDS, f"sections[{index}]", warnings)
        heading = clean_text(str(section.get("heading") or f"Avsnitt {index + 1}"))
        match = NUMBERED.match(heading)
        section_types = area_school_types(heading)
        current = area_for(match.group(1) if match else slugify(heading)[:32] or str(index + 1), heading, section_types)
        mode = ""
        for block in html_blocks(str(section.get("content") or "")):
            lowered = block.text.casefold()
            if block.kind == "heading":
                numbered = NUMBERED.match(block.text)
                if lowered.startswith(GOAL_HEADINGS):
                    mode = "goal"
                elif lowered.startswith(GUIDELINE_HEADINGS):
                    mode = "guideline"
                elif lowered.startswith(CONTENT_HEADINGS):
                    mode = "content"
                elif numbered:
                    current, mode = area_for(numbered.group(1), block.text, section_types), ""
            elif block.kind == "p":
                if any(lead in lowered for lead in GOAL_LEAD_INS):
                    mode = "goal"
            elif block.kind == "li":
                if mode == "goal":
                    parsed.add_goal(current, block.text, "mal")
                    areas[current].has_child_goals = True
                elif mode == "content":
                    parsed.add_goal(current, block.text, "centralt-innehall")
                    areas[current].has_child_goals = True
                elif mode == "guideline" and not areas[current].has_child_goals:
                    areas[current].note = "Riktlinjer för personalen, inga mål för barnet."
    parsed.areas = list(areas.values())
    return parsed


def parse_subject(obj: dict[str, Any], warnings: list[str]) -> ParsedCurriculum:
    """Return a subject syllabus (`SubjectResponse.subject`) as a curriculum of its own.

    The purpose's list ("… förutsättningar att utveckla sin förmåga att …") gives the long-term
    goals; each central content block (per year span and heading) gives an area of content items.
    Knowledge requirements are assessment criteria, not goals, and are not imported.
    """
    _warn_unknown(obj, SUBJECT_FIELDS, "subject", warnings)
    code = _require_text(obj, "code", "subject")
    name = _require_text(obj, "name", "subject")
    parsed = ParsedCurriculum(
        code=code,
        version=_version(obj),
        name=f"{name} ({code})",
        school_types=[str(s) for s in obj.get("schoolTypes") or []],
        in_force_from=_date(obj.get("startDate"), "startDate"),
        in_force_to=_date(obj.get("endDate") or obj.get("validTo"), "endDate"),
        goal_stem="",
        source_note=" ".join(x for x in (obj.get("skolfsGrund") or "", obj.get("skolfsAndring") or "") if x),
        warnings=warnings,
    )
    areas: dict[str, ParsedArea] = {}
    purpose = ParsedArea(code="syfte", title=f"Syfte – {name}", seq=1)
    areas["syfte"] = purpose
    for block in html_blocks(str(obj.get("purpose") or "")):
        if block.kind == "li":
            parsed.add_goal("syfte", block.text, "mal")
            purpose.has_child_goals = True
    contents = obj.get("centralContents") or []
    if not isinstance(contents, list):
        raise SyllabusImportError("subject.centralContents is not a list")
    for index, content in enumerate(contents):
        if not isinstance(content, dict):
            raise SyllabusImportError(f"subject.centralContents[{index}] is not an object")
        _warn_unknown(content, CENTRAL_CONTENT_FIELDS, f"centralContents[{index}]", warnings)
        year = clean_text(str(content.get("year") or "")) or "alla"
        heading = f"Centralt innehåll, årskurs {year}"
        current = f"cc-{slugify(year)}"[:32]
        for block in html_blocks(str(content.get("text") or "")):
            if block.kind == "heading":
                current = f"cc-{slugify(year)}-{slugify(block.text)}"[:32]
                heading = f"{block.text} (årskurs {year})"
            elif block.kind == "li":
                if current not in areas:
                    areas[current] = ParsedArea(code=current, title=heading[:300], seq=len(areas) + 1)
                parsed.add_goal(current, block.text, "centralt-innehall")
                areas[current].has_child_goals = True
    parsed.areas = [a for a in areas.values() if a.has_child_goals]
    return parsed


def parse_document(data: Any) -> ParsedCurriculum:
    """Return the parsed curriculum of one API document (a curriculum or a subject answer)."""
    if not isinstance(data, dict):
        raise SyllabusImportError("The document is not a JSON object")
    warnings: list[str] = []
    if "curriculum" in data or "subject" in data:
        _warn_unknown(data, METADATA_FIELDS | {"curriculum", "subject"}, "response", warnings)
        inner = data.get("curriculum") or data.get("subject")
        if not isinstance(inner, dict):
            raise SyllabusImportError("The 'curriculum' or 'subject' field is not an object")
        return parse_curriculum(inner, warnings) if "curriculum" in data else parse_subject(inner, warnings)
    if "sections" in data:
        return parse_curriculum(data, warnings)
    if "centralContents" in data or "purpose" in data:
        return parse_subject(data, warnings)
    if "curriculums" in data or "subjects" in data:
        raise SyllabusImportError(
            "This is a list answer (/v1/curriculums or /v1/subjects); import one curriculum or subject at a time"
        )
    raise SyllabusImportError("The document is neither a curriculum nor a subject of the syllabus API")


def read_file(path: Path) -> Any:
    """Return the JSON in a saved API answer, or raise SyllabusImportError naming the file and the fault."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SyllabusImportError(f"{path}: no such file") from exc
    except UnicodeDecodeError as exc:
        raise SyllabusImportError(f"{path}: not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise SyllabusImportError(
            f"{path}: malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc


# ---------------------------------------------------------------------------------------------
# Parsed curriculum → database, with a report
# ---------------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    code: str
    version: str
    name: str
    added: list[str] = field(default_factory=list)
    changed: list[tuple[str, str, str]] = field(default_factory=list)  # key, old text, new text
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    already_imported: bool = False
    previous_version: str = ""

    def summary(self) -> str:
        """Return a one-line summary of the import."""
        if self.already_imported:
            return f"{self.name} ({self.code} {self.version}): already imported, nothing changed."
        since = f" since {self.previous_version}" if self.previous_version else ""
        return (
            f"{self.name} ({self.code} {self.version}){since}: {len(self.added)} added, {len(self.changed)} changed, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed goals."
        )


def _match(parsed: ParsedCurriculum, previous: list[Goal], report: ImportReport) -> None:
    """Fill the report and give reworded goals their old keys (so they stay one goal over versions)."""
    old_by_key = {g.key: g for g in previous}
    new_keys = {g.key for g in parsed.goals}
    unmatched_old = [g for g in previous if g.key not in new_keys]
    for goal in parsed.goals:
        if goal.key in old_by_key:
            report.unchanged.append(goal.key)
            continue
        candidates = [g for g in unmatched_old if g.area.code == goal.area_code]
        best, best_ratio = None, 0.0
        for old in candidates:
            ratio = difflib.SequenceMatcher(None, normalised(old.text), normalised(goal.text)).ratio()
            if ratio > best_ratio:
                best, best_ratio = old, ratio
        if best is not None and best_ratio >= SIMILARITY_FOR_CHANGED:
            unmatched_old.remove(best)
            report.changed.append((best.key, best.text, goal.text))
            goal.key = best.key
        else:
            report.added.append(goal.key)
    report.removed = [g.key for g in unmatched_old]


def apply(parsed: ParsedCurriculum) -> ImportReport:
    """Write the parsed curriculum as a new version (inside the caller's transaction) and return the report."""
    report = ImportReport(code=parsed.code, version=parsed.version, name=parsed.name, warnings=parsed.warnings)
    existing = Curriculum.objects.filter(code=parsed.code, version=parsed.version).first()
    if existing is not None:
        stored = dict(Goal.objects.filter(curriculum=existing).values_list("key", "text"))
        if sorted(stored.values()) != sorted(g.text for g in parsed.goals):
            raise SyllabusImportError(
                f"{parsed.code} version {parsed.version} is already imported with other texts; "
                "a changed text must come as a new version"
            )
        report.already_imported = True
        report.unchanged = sorted(stored)
        return report
    previous_version = (
        Curriculum.objects.filter(code=parsed.code, in_force_to__isnull=True).order_by("-in_force_from", "-pk").first()
    )
    previous = list(Goal.objects.filter(curriculum=previous_version).select_related("area")) if previous_version else []
    report.previous_version = previous_version.version if previous_version else ""
    _match(parsed, previous, report)
    curriculum = Curriculum.objects.create(
        code=parsed.code,
        version=parsed.version,
        name=parsed.name[:200],
        school_types=parsed.school_types,
        in_force_from=parsed.in_force_from,
        in_force_to=parsed.in_force_to,
        goal_stem=parsed.goal_stem,
        source_note=parsed.source_note,
    )
    areas = {
        a.code: a_obj
        for a, a_obj in (
            (
                a,
                GoalArea.objects.create(
                    curriculum=curriculum,
                    code=a.code,
                    title=a.title,
                    seq=a.seq,
                    has_child_goals=a.has_child_goals,
                    note=a.note,
                    school_types=a.school_types,
                ),
            )
            for a in parsed.areas
        )
    }
    Goal.objects.bulk_create(
        [
            Goal(
                curriculum=curriculum,
                area=areas[g.area_code],
                key=g.key,
                seq=g.seq,
                text=g.text,
                search_text=fold(g.text),
                tags=g.tags,
                verification="skolverket-api",
            )
            for g in parsed.goals
        ]
    )
    if previous_version is not None:
        # The older version stops being current; its goal rows stay for the posts that link to them.
        start = parsed.in_force_from or today()
        end = max(start - dt.timedelta(days=1), previous_version.in_force_from or dt.date.min)
        Curriculum.objects.filter(pk=previous_version.pk).update(in_force_to=end)
    return report


def import_documents(documents: list[Any], *, dry_run: bool = False) -> list[ImportReport]:
    """Import API documents as new curriculum versions in one transaction and return one report each.

    Every document is parsed before anything is written, and any error rolls back the whole
    import; a dry run computes the same reports and then rolls back.
    """
    parsed = [parse_document(doc) for doc in documents]
    with transaction.atomic():
        reports = [apply(p) for p in parsed]
        if dry_run:
            transaction.set_rollback(True)
        else:
            transaction.on_commit(forget_goal_choices)
    return reports
