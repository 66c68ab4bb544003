"""Turn coverage counts into what a page shows: goal rows, an inline SVG heatmap and a CSV file.

Nothing here reads child data: it receives counts from `folja.access.coverage` and the goal
texts (public curriculum data) from the curriculum models.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.utils import formats
from django.utils.translation import gettext as _

from folja.curriculum import offer
from folja.curriculum.models import Curriculum, Goal, GoalArea
from folja.learninglog.coverage import Coverage, Period

# Sequential scale: (lowest count, fill, text colour). Every pair has a contrast of at least
# 5:1 (WCAG 1.4.3), and each cell also prints its number, so colour is never the only cue (1.4.1).
# axe-core does not check text drawn in SVG: test_coverage.py computes these contrasts, and the
# stylesheet must not colour the numbers (a CSS fill overrides the attribute: issue 25, point 10).
SCALE = [
    (0, "#ffffff", "#1d2433"),
    (1, "#d8ece2", "#1d2433"),
    (2, "#9fd0b8", "#1d2433"),
    (4, "#2f7a5c", "#ffffff"),
    (8, "#1f5f4a", "#ffffff"),
]
LABEL_WIDTH = 300
# A row label is the goal's beginning, cut at a word; the whole text is in the row's <title>.
LABEL_CHARS = 44
CELL_WIDTH = 46
CELL_HEIGHT = 26
HEADER_HEIGHT = 30
AREA_HEIGHT = 24


def colour_for(count: int) -> tuple[str, str]:
    """Return the (fill, text colour) of a heatmap cell for the count."""
    fill, ink = SCALE[0][1], SCALE[0][2]
    for lowest, step_fill, step_ink in SCALE:
        if count >= lowest:
            fill, ink = step_fill, step_ink
    return fill, ink


@dataclass
class GoalRow:
    """One goal (all versions with the same key) and its counts per month."""

    key: str
    label: str
    text: str
    area_code: str
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def short(self) -> str:
        return short_text(self.text)


def short_text(text: str, limit: int = LABEL_CHARS) -> str:
    """Return the text cut at a word to at most `limit` characters, with "…" when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.")
    return f"{cut}…"


@dataclass
class AreaBlock:
    """A goal area with its own counts (a post counts once per area) and its goal rows."""

    curriculum_code: str
    code: str
    title: str
    counts: list[int]
    goals: list[GoalRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class Heatmap:
    """Everything the coverage template and the CSV need."""

    period: Period
    months: list[dt.date]
    month_labels: list[str]
    areas: list[AreaBlock]
    guideline_areas: list[GoalArea]
    posts_per_month: list[int]
    posts_without_goal: int

    @property
    def total_posts(self) -> int:
        return sum(self.posts_per_month)

    @property
    def goals_touched(self) -> int:
        return sum(1 for area in self.areas for goal in area.goals if goal.total)

    @property
    def goal_count(self) -> int:
        return sum(len(area.goals) for area in self.areas)


def curricula_for(school_types: list[str]) -> list[Curriculum]:
    """Return the current curriculum versions for the school types (all current ones when none match)."""
    current = list(Curriculum.objects.filter(in_force_to__isnull=True).order_by("code", "-in_force_from"))
    latest: dict[str, Curriculum] = {}
    for curriculum in current:
        latest.setdefault(curriculum.code, curriculum)
    matching = [c for c in latest.values() if offer.serves(c, None, school_types)]
    return matching or list(latest.values())


def build(
    coverage: Coverage, period: Period, curricula: list[Curriculum], school_types: list[str] | None = None
) -> Heatmap:
    """Return the heatmap of the counts: every goal of the curricula offered to the school types
    (curriculum.offer; every area when none are given), plus goals of other versions that have posts."""
    months = period.months()
    areas_qs = GoalArea.objects.filter(curriculum__in=curricula).select_related("curriculum")
    area_list = sorted(areas_qs, key=lambda a: (a.curriculum.code, a.seq, a.code))
    goals = list(
        Goal.objects.filter(curriculum__in=curricula)
        .select_related("area", "curriculum")
        .order_by("curriculum__code", "area__seq", "seq")
    )
    if school_types:
        area_list = [a for a in area_list if offer.serves(a.curriculum, a, school_types)] or area_list
        goals = offer.offered(goals, school_types)
    known = {g.key for g in goals}
    # Posts linked to a goal of another version or curriculum still count: shown under its latest text.
    linked_keys = {key for key, _month in coverage.goal_months} - known
    extra: dict[str, Goal] = {}
    for goal in (
        Goal.objects.filter(key__in=linked_keys)
        .select_related("area", "curriculum")
        .order_by("key", "-curriculum__in_force_from", "-pk")
    ):
        extra.setdefault(goal.key, goal)

    def counts_for_goal(key: str) -> list[int]:
        return [coverage.goal_months.get((key, m), 0) for m in months]

    blocks: dict[tuple[str, str], AreaBlock] = {}
    guideline_areas = []
    for area in area_list:
        if not area.has_child_goals:
            guideline_areas.append(area)
            continue
        code = (area.curriculum.code, area.code)
        blocks[code] = AreaBlock(
            curriculum_code=area.curriculum.code,
            code=area.code,
            title=area.title,
            counts=[coverage.area_months.get((*code, m), 0) for m in months],
        )
    for goal in [*goals, *extra.values()]:
        code = (goal.curriculum.code, goal.area.code)
        if code not in blocks:
            blocks[code] = AreaBlock(
                curriculum_code=goal.curriculum.code,
                code=goal.area.code,
                title=goal.area.title,
                counts=[coverage.area_months.get((*code, m), 0) for m in months],
            )
        block = blocks[code]
        block.goals.append(
            GoalRow(
                key=goal.key,
                label=f"{goal.area.code[:7]} #{len(block.goals) + 1}",
                text=goal.text,
                area_code=goal.area.code,
                counts=counts_for_goal(goal.key),
            )
        )
    return Heatmap(
        period=period,
        months=months,
        month_labels=[formats.date_format(m, "SHORT_YEAR_MONTH_FORMAT") for m in months],
        areas=[b for b in blocks.values() if b.goals],
        guideline_areas=guideline_areas,
        posts_per_month=[coverage.posts_per_month.get(m, 0) for m in months],
        posts_without_goal=coverage.posts_without_goal,
    )


@dataclass
class SvgCell:
    x: int
    y: int
    fill: str
    ink: str
    count: int
    title: str


@dataclass
class SvgRow:
    y: int
    label: str
    is_area: bool
    title: str
    cells: list[SvgCell]


@dataclass
class SvgLayout:
    width: int
    height: int
    columns: list[tuple[int, str]]
    rows: list[SvgRow]


def layout(heatmap: Heatmap) -> SvgLayout:
    """Return the geometry of the SVG heatmap: one row per area and goal, one column per month."""
    rows: list[SvgRow] = []
    y = HEADER_HEIGHT
    for area in heatmap.areas:
        rows.append(
            _svg_row(heatmap, y, short_text(f"{area.code} {area.title}"), area.title, area.counts, is_area=True)
        )
        y += AREA_HEIGHT
        for goal in area.goals:
            rows.append(_svg_row(heatmap, y, goal.short, goal.text, goal.counts, is_area=False))
            y += CELL_HEIGHT
    columns = [
        (LABEL_WIDTH + i * CELL_WIDTH + CELL_WIDTH // 2, label) for i, label in enumerate(_short_months(heatmap))
    ]
    return SvgLayout(width=LABEL_WIDTH + CELL_WIDTH * len(heatmap.months), height=y + 2, columns=columns, rows=rows)


def _short_months(heatmap: Heatmap) -> list[str]:
    return [
        formats.date_format(m, "SHORT_MONTH_FORMAT") + (f" {m:%y}" if m.month == 1 or i == 0 else "")
        for i, m in enumerate(heatmap.months)
    ]


def _svg_row(heatmap: Heatmap, y: int, label: str, text: str, counts: list[int], *, is_area: bool) -> SvgRow:
    height = AREA_HEIGHT if is_area else CELL_HEIGHT
    cells = []
    for i, count in enumerate(counts):
        fill, ink = colour_for(count)
        cells.append(
            SvgCell(
                x=LABEL_WIDTH + i * CELL_WIDTH,
                y=y,
                fill=fill,
                ink=ink,
                count=count,
                title=_("%(text)s, %(month)s: %(count)s inlägg")
                % {"text": text, "month": heatmap.month_labels[i], "count": count},
            )
        )
    del height
    return SvgRow(y=y, label=label, is_area=is_area, title=text, cells=cells)


def to_csv(heatmap: Heatmap, subject: str) -> str:
    """Return the heatmap as CSV (semicolon-separated, as Swedish spreadsheet programs expect)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([_("Täckning"), subject, heatmap.period.start.isoformat(), heatmap.period.end.isoformat()])
    writer.writerow(
        [
            _("Nivå"),
            _("Läroplan"),
            _("Målområde"),
            _("Mål-id"),
            _("Text"),
            *[m.strftime("%Y-%m") for m in heatmap.months],
            _("Summa"),
        ]
    )
    for area in heatmap.areas:
        writer.writerow([_("målområde"), area.curriculum_code, area.code, "", area.title, *area.counts, area.total])
        for goal in area.goals:
            writer.writerow([_("mål"), area.curriculum_code, area.code, goal.key, goal.text, *goal.counts, goal.total])
    writer.writerow([_("alla inlägg"), "", "", "", "", *heatmap.posts_per_month, heatmap.total_posts])
    return buffer.getvalue()
