"""Writes of the curriculum app: the unit's coverage settings (imports live in importer.py)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from folja.access.roles import Viewer
from folja.curriculum.models import CoverageSettings
from folja.directory.models import Organisation
from folja.learninglog.coverage import overview_units


@transaction.atomic
def coverage_settings_set(
    *, actor: Viewer, school_unit: Organisation, rarely_documented_threshold: int, weeks: int
) -> CoverageSettings:
    """Set the unit's "rarely documented" threshold; only staff with a unit-wide duty there may."""
    if not overview_units(actor).filter(pk=school_unit.pk).exists():
        raise PermissionDenied
    settings, _created = CoverageSettings.objects.update_or_create(
        school_unit=school_unit,
        defaults={
            "rarely_documented_threshold": rarely_documented_threshold,
            "weeks": weeks,
            "updated_by": actor.person,
        },
    )
    return settings
