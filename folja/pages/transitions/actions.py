"""Writes for transitions: consent answers (R7) and decisions on terms of use (R9)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from folja.access import assurance, policy
from folja.access.audit import record_action
from folja.access.models import AuditAction
from folja.access.roles import Role, Viewer
from folja.access.transitions import forget_accepted_terms, forget_current_terms
from folja.directory.models import Organisation, Person
from folja.transitions.models import TermsDecision, TermsOfUse, TransitionConsent

DEFAULT_TERMS_TITLE = "Användarvillkor för Följa"
DEFAULT_TERMS_BODY = _(
    "Följa är förskolans och skolans plattform för lärlogg och utvecklingssamtal.\n\n"
    "Det du ser här handlar om ditt barn. Bilder och filmer får inte spridas eller användas någon annanstans, "
    "till exempel i sociala medier, eftersom de ofta visar andra barn.\n\n"
    "Förskolan ansvarar för uppgifterna enligt dataskyddsförordningen. Personalens läsning av ditt barns "
    "dokumentation loggas, och du kan se vem som har läst.\n\n"
    "Du kan när som helst ändra dig. Om du inte godkänner villkoren får du informationen från förskolan "
    "på annat sätt, till exempel vid hämtning och lämning eller på papper."
)

# Marked for translation here; stored in Swedish (DEFAULT_TERMS_TITLE above) when published.
_DEFAULT_TERMS_TITLE_SHOWN = gettext_noop("Användarvillkor för Följa")


def terms_as_shown(terms: TermsOfUse) -> tuple[str, str]:
    """Return the title and text of terms as the reader sees them: the platform's default terms
    as shipped in the interface language; terms an organisation wrote (or the default terms once
    changed) as written."""
    with translation.override("sv"):
        shipped_body = str(DEFAULT_TERMS_BODY)
    if terms.organisation_id is None and terms.title == DEFAULT_TERMS_TITLE and terms.body == shipped_body:
        return gettext(_DEFAULT_TERMS_TITLE_SHOWN), str(DEFAULT_TERMS_BODY)
    return terms.title, terms.body


@transaction.atomic
def consent_set(*, actor: Viewer, child: Person, allowed: bool) -> TransitionConsent:
    """Record a guardian's answer; the previous answer stays in the history (R7)."""
    if actor.role != Role.GUARDIAN:
        raise PermissionDenied
    assurance.require(actor, assurance.Act.ANSWER_CONSENT)
    child = policy.get_child_for(actor, child.uuid)
    TransitionConsent.objects.filter(child=child, guardian=actor.person, is_current=True).update(is_current=False)
    consent = TransitionConsent.objects.create(
        child=child, guardian=actor.person, allowed=allowed, answered_at=timezone.now(), is_current=True
    )
    record_action(
        actor,
        AuditAction.SET_TRANSITION_CONSENT,
        [child.pk],
        object_type="transition_consent",
    )
    return consent


@transaction.atomic
def terms_decide(*, actor: Viewer, terms: TermsOfUse, accepted: bool) -> TermsDecision:
    """Record a guardian's acceptance or refusal of one version of the terms (R9)."""
    if actor.role != Role.GUARDIAN:
        raise PermissionDenied
    decision = TermsDecision.objects.create(
        guardian=actor.person, terms=terms, accepted=accepted, decided_at=timezone.now()
    )
    forget_accepted_terms(actor.person)
    return decision


@transaction.atomic
def terms_publish(*, organisation: Organisation | None, title: str, body: str) -> TermsOfUse:
    """Publish a new version of the terms (organisation None: the platform default); all must accept anew."""
    latest = TermsOfUse.objects.filter(organisation=organisation).order_by("-version").first()
    terms = TermsOfUse.objects.create(
        organisation=organisation,
        version=(latest.version + 1) if latest else 1,
        title=title,
        body=body,
        published_at=timezone.now(),
    )
    transaction.on_commit(forget_current_terms)
    forget_current_terms()
    transaction.on_commit(lambda: _enqueue_terms_notices(terms))
    return terms


def _enqueue_terms_notices(terms: TermsOfUse) -> None:
    """Tell the guardians for whom the new terms are pending, in the background (R9)."""
    from folja.pages.transitions.tasks import tell_new_terms

    tell_new_terms.enqueue(str(terms.uuid))


def terms_publish_default() -> TermsOfUse:
    """Publish the platform's default terms unless a version exists already (idempotent)."""
    existing = TermsOfUse.objects.filter(organisation=None).order_by("-version").first()
    if existing is not None:
        return existing
    return terms_publish(organisation=None, title=DEFAULT_TERMS_TITLE, body=str(DEFAULT_TERMS_BODY))
