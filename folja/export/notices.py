"""Who may see a notice about a child's portfolio (an export ready, documentation culled soon).

Both lead to the child's export page, which is the guardian's while they may see the child
(`export.access`): the notice is shown, counted, mailed and pushed only while the child is one the
recipient may see now (`policy.visible_children`: custody, on the platform, not sealed, terms
accepted). A culling notice is urgent: it asks for action within the notice period.
"""

from __future__ import annotations

from django.db.models import Q

from folja.access import policy
from folja.access.pairs import ChildPairs
from folja.access.roles import Role, Viewer
from folja.notifications import rules

PORTFOLIO_KINDS = ("export_ready", "culling_ahead")


def portfolio_notice_rule(viewer: Viewer) -> Q:
    if viewer.role == Role.GUARDIAN:  # the chunk form for one guardian
        pairs = policy.guardian_child_pairs([viewer.person.pk], person="recipient_id")
        return portfolio_notice_rule_for_guardians(pairs)
    return Q(child__in=policy.visible_children(viewer))  # R1, R5, R6, R9


def portfolio_notice_rule_for_guardians(pairs: ChildPairs) -> Q:
    """Many guardians' notices at once (the digest): the child one the notice's recipient may see."""
    return pairs.q("child")  # R1, R5, R6, R9


def register() -> None:
    rules.register(
        PORTFOLIO_KINDS,
        portfolio_notice_rule,
        urgent=("culling_ahead",),
        for_guardians=portfolio_notice_rule_for_guardians,
    )
