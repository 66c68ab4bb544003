"""Curricula as data: versioned so a post keeps pointing at the goal text it was linked to."""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Curriculum(models.Model):
    """One version of a curriculum (e.g. Lpfö 18 as in force from 2019-07-01)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("kod"), max_length=32)
    version = models.CharField(_("version"), max_length=32)
    name = models.CharField(_("namn"), max_length=200)
    school_types = models.JSONField(_("skolformer"), default=list, blank=True)
    in_force_from = models.DateField(_("gäller från"), null=True, blank=True)
    in_force_to = models.DateField(_("gäller till"), null=True, blank=True)
    goal_stem = models.CharField(_("inledning"), max_length=300, blank=True)
    source_note = models.TextField(_("källa"), blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "-in_force_from"]
        verbose_name = _("läroplan")
        verbose_name_plural = _("läroplaner")
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="curriculum_unique_version")]

    def __str__(self) -> str:
        return self.name


class GoalArea(models.Model):
    """A section of a curriculum, e.g. 2.2 Omsorg, utveckling och lärande."""

    curriculum = models.ForeignKey(Curriculum, on_delete=models.CASCADE, related_name="areas")
    code = models.CharField(_("kod"), max_length=32)
    title = models.CharField(_("rubrik"), max_length=300)
    seq = models.PositiveIntegerField(default=0)
    # Lpfö 18 areas 2.4–2.8 hold guidelines for staff, not goals for the child.
    has_child_goals = models.BooleanField(default=True)
    note = models.TextField(blank=True)
    # The lead-in the area's goals complete, when it is not the curriculum's (Lgr22: chapter 2
    # "Skolans mål är att varje elev", chapter 3 "Genom undervisningen i förskoleklassen …").
    stem = models.CharField(_("inledning"), max_length=300, blank=True)
    # SS 12000 school types this area is offered to; empty means every school type of the
    # curriculum (Lgr22 chapter 3 is for FKLASS only, chapter 4 for FTH only). See offer.py.
    school_types = models.JSONField(_("skolformer"), default=list, blank=True)

    class Meta:
        ordering = ["curriculum", "seq", "code"]
        verbose_name = _("målområde")
        verbose_name_plural = _("målområden")
        constraints = [models.UniqueConstraint(fields=["curriculum", "code"], name="goalarea_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


GOAL_CHOICES_CACHE_KEY = "curriculum:current-goal-choices"


def current_goal_choices() -> list:
    """Return (key, "area code + text") of the current goals in curriculum order, grouped by
    curriculum when there are several (Lpfö 18 and Lgr22 both have a 2.1), cached for five
    minutes: every list page's filter offers them, and they change only by an import."""
    choices = cache.get(GOAL_CHOICES_CACHE_KEY)
    if choices is None:
        goals = (
            Goal.objects.current().select_related("area", "curriculum").order_by("curriculum__code", "area__seq", "seq")
        )
        groups: dict[str, list[tuple[str, str]]] = {}
        for g in goals:
            groups.setdefault(g.curriculum.name, []).append((g.key, f"{g.area.code} {g.text}"))
        choices = next(iter(groups.values())) if len(groups) == 1 else list(groups.items())
        cache.set(GOAL_CHOICES_CACHE_KEY, choices, 300)
    return choices


def forget_goal_choices() -> None:
    cache.delete(GOAL_CHOICES_CACHE_KEY)


class GoalQuerySet(models.QuerySet):
    def current(self) -> GoalQuerySet:
        """Return goals of curriculum versions that have not been replaced."""
        return self.filter(Q(curriculum__in_force_to__isnull=True))

    def recently_used_by(self, author: object, limit: int = 8) -> GoalQuerySet:
        """Return the goals this author linked to posts most recently, newest first."""
        from django.db.models import Max

        return (
            self.filter(post_goals__post__author=author)
            .select_related("area", "curriculum")
            .annotate(last_used=Max("post_goals__post__created_at"))
            .order_by("-last_used")[:limit]
        )


class Goal(models.Model):
    """One goal item of one curriculum version; `key` is stable across versions and positions."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    curriculum = models.ForeignKey(Curriculum, on_delete=models.CASCADE, related_name="goals")
    area = models.ForeignKey(GoalArea, on_delete=models.CASCADE, related_name="goals")
    key = models.CharField(_("id"), max_length=120)
    seq = models.PositiveIntegerField(default=0)
    text = models.TextField(_("text"))
    # Accent- and case-folded text for search ("sprak" finds "språk").
    search_text = models.TextField(blank=True, editable=False)
    tags = models.JSONField(default=list, blank=True)
    verification = models.CharField(max_length=32, blank=True)
    sources = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)

    objects = GoalQuerySet.as_manager()

    class Meta:
        ordering = ["area__seq", "seq"]
        verbose_name = _("mål")
        verbose_name_plural = _("mål")
        constraints = [models.UniqueConstraint(fields=["curriculum", "key"], name="goal_unique_key_per_version")]
        indexes = [models.Index(fields=["key"])]

    def __str__(self) -> str:
        return self.text


class CoverageSettings(models.Model):
    """A school unit's settings for the coverage pages ("rarely documented children").

    A unit without a row uses the defaults below; the principal changes them on the unit page.
    """

    DEFAULT_THRESHOLD = 2
    DEFAULT_WEEKS = 4

    school_unit = models.OneToOneField(
        "directory.Organisation", on_delete=models.CASCADE, related_name="coverage_settings"
    )
    rarely_documented_threshold = models.PositiveSmallIntegerField(
        _("färre inlägg än"),
        default=DEFAULT_THRESHOLD,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    weeks = models.PositiveSmallIntegerField(
        _("under antal veckor"), default=DEFAULT_WEEKS, validators=[MinValueValidator(1), MaxValueValidator(26)]
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        "directory.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("inställning för måluppfyllelse")
        verbose_name_plural = _("inställningar för måluppfyllelse")

    def __str__(self) -> str:
        return str(self.school_unit)
