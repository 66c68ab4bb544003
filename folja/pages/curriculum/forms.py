"""Forms of the curriculum and coverage pages."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from folja.core.dates import term_start, today
from folja.curriculum.models import CoverageSettings
from folja.learninglog.coverage import Period

# A longer period makes the heatmap unreadable on a phone; two school years is enough to compare.
MAX_MONTHS = 24


class PeriodForm(forms.Form):
    """The period of a coverage page: this term by default."""

    start = forms.DateField(label=_("Från"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Till"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, object]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise forms.ValidationError(_("Slutdatumet kan inte vara före startdatumet."))
        if start and end and (end.year - start.year) * 12 + end.month - start.month >= MAX_MONTHS:
            raise forms.ValidationError(_("Välj en period på högst %(n)s månader.") % {"n": MAX_MONTHS})
        return data

    def period(self) -> Period:
        """Return the chosen period, or this term up to today when none (or an invalid one) was chosen."""
        day = today()
        default = Period(start=term_start(day), end=day)
        if not self.is_bound or not self.is_valid():
            return default
        start = self.cleaned_data.get("start") or default.start
        end = self.cleaned_data.get("end") or max(start, default.end)
        if end < start or (end.year - start.year) * 12 + end.month - start.month >= MAX_MONTHS:
            return default
        return Period(start=start, end=end)

    def query(self) -> str:
        """Return the period as a query string, for the CSV link."""
        period = self.period()
        return f"start={period.start.isoformat()}&end={period.end.isoformat()}"


class CoverageSettingsForm(forms.Form):
    """The unit's threshold for "rarely documented children"."""

    rarely_documented_threshold = forms.IntegerField(
        label=_("Påminn om barn med färre inlägg än"), min_value=1, max_value=50
    )
    weeks = forms.IntegerField(label=_("under de senaste veckorna (antal)"), min_value=1, max_value=26)

    @classmethod
    def for_settings(cls, settings: CoverageSettings) -> CoverageSettingsForm:
        return cls(
            initial={"rarely_documented_threshold": settings.rarely_documented_threshold, "weeks": settings.weeks}
        )


def period_of(day: dt.date) -> Period:
    """Return the default period for a day: its term up to that day."""
    return Period(start=term_start(day), end=day)
