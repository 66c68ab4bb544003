"""Background work for transitions and terms (Django Tasks API): the notices of R7 and R9."""

from __future__ import annotations

from django_tasks import task

from folja.pages.transitions import notices
from folja.transitions.models import TermsOfUse


@task()
def ask_consent_questions() -> int:
    """Ask guardians for consent at their child's coming move (run daily); a rerun tells no one twice."""
    return notices.ask_consent_questions()


@task()
def tell_new_terms(terms_uuid: str) -> int:
    """Tell the guardians for whom newly published terms are pending (enqueued when they are published)."""
    terms = TermsOfUse.objects.filter(uuid=terms_uuid).select_related("organisation").first()
    return notices.tell_new_terms(terms) if terms is not None else 0
