"""Who may see a notice about a child's portfolio (an export ready, documentation culled soon).

Both lead to the child's export page, which is the guardian's while they may see the child
(`export.access`): the notice is shown, counted, mailed and pushed only while the child is one the
recipient may see now (`policy.visible_children`: custody, on the platform, not sealed, terms
accepted). A culling notice is urgent: it asks for action within the notice period.
"""

from __future__ import annotations

from django.db.models import Q

from folja.access import policy
from folja.access.roles import Viewer
from folja.notifications import rules

PORTFOLIO_KINDS = ("export_ready", "culling_ahead")


def portfolio_notice_rule(viewer: Viewer) -> Q:
    return Q(child__in=policy.visible_children(viewer))  # R1, R5, R6, R9


def register() -> None:
    rules.register(PORTFOLIO_KINDS, portfolio_notice_rule, urgent=("culling_ahead",))
