"""Curriculum and coverage pages: thin views over `folja.access.coverage` (reads) and actions (writes)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from folja.access import policy
from folja.access.audit import record_reads
from folja.access.models import AuditAction
from folja.accounts.decorators import staff_required, viewer_required
from folja.curriculum import offer
from folja.curriculum.models import Curriculum, GoalArea
from folja.directory.models import Organisation
from folja.learninglog import attention, coverage
from folja.notifications import api as notices_api
from folja.pages.curriculum import actions, heatmap
from folja.pages.curriculum.forms import CoverageSettingsForm, PeriodForm

# ---------------------------------------------------------------------------------------------
# Curriculum texts (public regulation text, no child data)
# ---------------------------------------------------------------------------------------------


@viewer_required
def curriculum_list(request: HttpRequest) -> HttpResponse:
    """Render the curricula in the platform, current versions first."""
    curricula = Curriculum.objects.order_by("code", "-in_force_from", "-pk")
    return render(request, "curriculum/curriculum_list.html", {"curricula": curricula})


@viewer_required
def curriculum_detail(request: HttpRequest, curriculum_uuid: str) -> HttpResponse:
    """Render one curriculum version: its areas, goals, and the areas that hold guidelines only."""
    try:
        curriculum = Curriculum.objects.get(uuid=curriculum_uuid)
    except Curriculum.DoesNotExist:
        raise Http404 from None
    areas = GoalArea.objects.filter(curriculum=curriculum).prefetch_related("goals").order_by("seq", "code")
    return render(request, "curriculum/curriculum_detail.html", {"curriculum": curriculum, "areas": areas})


# ---------------------------------------------------------------------------------------------
# Coverage
# ---------------------------------------------------------------------------------------------


def _heatmap(request: HttpRequest, posts: object, school_types: list[str]) -> tuple[PeriodForm, heatmap.Heatmap]:
    form = PeriodForm(request.GET or None)
    period = form.period()
    counts = coverage.coverage(posts, period)
    return form, heatmap.build(counts, period, heatmap.curricula_for(school_types), school_types)


def _csv(data: heatmap.Heatmap, subject: str) -> HttpResponse:
    response = HttpResponse(heatmap.to_csv(data, subject), content_type="text/csv; charset=utf-8")
    name = slugify(f"tackning-{subject}-{data.period.start}-{data.period.end}") or "tackning"
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _wants_csv(request: HttpRequest) -> bool:
    return request.GET.get("format") == "csv"


@staff_required
def coverage_home(request: HttpRequest) -> HttpResponse:
    """Render the coverage start page: the viewer's groups and the units they have an overview of."""
    viewer = request.viewer
    groups = (
        policy.staff_groups(viewer).select_related("school_unit").order_by("school_unit__display_name", "display_name")
    )
    units = coverage.overview_units(viewer).order_by("display_name")
    return render(request, "curriculum/coverage_home.html", {"groups": groups, "units": units})


@staff_required
def group_coverage(request: HttpRequest, group_uuid: str) -> HttpResponse:
    """Render (or download as CSV) a group's coverage heatmap and its rarely documented children."""
    viewer = request.viewer
    group = policy.get_group_for(viewer, group_uuid)
    unit = group.school_unit
    form, data = _heatmap(request, coverage.group_posts_scope(viewer, group), offer.school_types_of(unit, group))
    if _wants_csv(request):
        return _csv(data, group.display_name)
    settings = coverage.settings_for(unit)
    rare = list(coverage.rarely_documented_children(viewer, group, settings))
    # Names of children are child-level data: the read is recorded for each child listed (R11).
    record_reads(
        viewer,
        AuditAction.READ_GROUP_LOG,
        [c.pk for c in rare],
        object_type="coverage",
        object_uuid=group.uuid,
        school_unit=unit,
    )
    return render(
        request,
        "curriculum/coverage.html",
        {
            "subject": group.display_name,
            "subject_kind": "group",
            "group": group,
            "unit": unit,
            "heatmap": data,
            "svg": heatmap.layout(data),
            "form": form,
            "csv_query": form.query(),
            "rare": rare,
            "settings": settings,
        },
    )


@staff_required
def group_attention(request: HttpRequest, group_uuid: str) -> HttpResponse:
    """List the group's children the staff member is connected to who are named in no published
    post lately (FOLJA_ATTENTION_DAYS): where the weekly "Barn att uppmärksamma" notice leads."""
    viewer = request.viewer
    group = policy.get_group_for(viewer, group_uuid)
    days = attention.attention_days()
    children = list(coverage.undocumented_children(viewer, group, days))
    # Names of children are child-level data: the read is recorded for each child listed (R11).
    record_reads(
        viewer,
        AuditAction.READ_GROUP_LOG,
        [c.pk for c in children],
        object_type="attention",
        object_uuid=group.uuid,
        school_unit=group.school_unit,
    )
    notices_api.mark_read(viewer, about=[group.uuid])  # opening the page reads its notice
    return render(
        request,
        "curriculum/attention.html",
        {"group": group, "children": children, "days": days, "weeks": attention.in_weeks(days)},
    )


@staff_required
def child_coverage(request: HttpRequest, child_uuid: str) -> HttpResponse:
    """Render (or download as CSV) one child's coverage heatmap."""
    viewer = request.viewer
    child = policy.get_child_for(viewer, child_uuid)
    school_types = list(policy.connected_placements(viewer).filter(child=child).values_list("school_type", flat=True))
    form, data = _heatmap(request, coverage.child_posts_scope(viewer, child), school_types)
    record_reads(viewer, AuditAction.READ_TIMELINE, [child.pk], object_type="coverage", object_uuid=child.uuid)
    if _wants_csv(request):
        return _csv(data, child.full_name)
    return render(
        request,
        "curriculum/coverage.html",
        {
            "subject": child.full_name,
            "subject_kind": "child",
            "child": child,
            "heatmap": data,
            "svg": heatmap.layout(data),
            "form": form,
            "csv_query": form.query(),
        },
    )


@staff_required
def unit_coverage(request: HttpRequest, unit_uuid: str) -> HttpResponse:
    """Render (or download as CSV) a unit's coverage and the comparison across its groups."""
    viewer = request.viewer
    unit = coverage.get_overview_unit_for(viewer, unit_uuid)
    form, data = _heatmap(request, coverage.unit_posts_scope(viewer, unit), unit.school_types)
    if _wants_csv(request):
        return _csv(data, unit.display_name)
    settings = coverage.settings_for(unit)
    groups = coverage.group_comparison(viewer, unit, form.period(), settings)
    area_keys = [(a.curriculum_code, a.code) for a in data.areas]
    comparison = [{"figures": g, "areas": [g.areas.get(key, 0) for key in area_keys]} for g in groups]
    return render(
        request,
        "curriculum/unit_coverage.html",
        {
            "subject": unit.display_name,
            "unit": unit,
            "heatmap": data,
            "svg": heatmap.layout(data),
            "form": form,
            "csv_query": form.query(),
            "comparison": comparison,
            "settings": settings,
            "settings_form": CoverageSettingsForm.for_settings(settings),
        },
    )


@staff_required
@require_POST
def unit_settings(request: HttpRequest, unit_uuid: str) -> HttpResponse:
    """Save the unit's threshold for rarely documented children."""
    viewer = request.viewer
    unit: Organisation = coverage.get_overview_unit_for(viewer, unit_uuid)
    form = CoverageSettingsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Inställningen sparades inte: ange hela tal inom de tillåtna gränserna."))
        return redirect("curriculum:unit_coverage", unit_uuid=unit.uuid)
    actions.coverage_settings_set(actor=viewer, school_unit=unit, **form.cleaned_data)
    messages.success(request, _("Inställningen är sparad."))
    return redirect("curriculum:unit_coverage", unit_uuid=unit.uuid)
