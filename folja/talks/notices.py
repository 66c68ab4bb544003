"""Who may see a notice about a development talk: asked of the talk policy whenever it is shown or sent.

The talk must be one the recipient may read now (`visible_talks`: guardians while the child is on
the platform and they hold custody, staff connected to the child at the talk's unit or through
R8) and its child one they may see now; a sealed child's notices vanish (R5). Booking changes and
newly published times need action and go out at once (outside quiet hours). A guardian's
preparation handed in is told to the staff holding the talk (`talk_policy.talk_holders`), shown
while the talk is still one they may read.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from folja.access import policy
from folja.access.roles import Viewer
from folja.notifications import rules
from folja.talks import access as talk_policy

TALK_KINDS = (
    "talk_record_shared",
    "talk_slots_published",
    "talk_booking_changed",
    # To staff: a guardian handed in their preparation (talks.actions.tell_preparation_handed_in).
    "talk_preparation_handed_in",
)
URGENT = ("talk_slots_published", "talk_booking_changed")


def talk_notice_rule(viewer: Viewer) -> Q:
    readable = talk_policy.visible_talks(viewer).filter(uuid=OuterRef("about_uuid"))  # correlated: one lookup
    return Q(Exists(readable)) & Q(child__in=policy.visible_children(viewer))


def register() -> None:
    rules.register(TALK_KINDS, talk_notice_rule, urgent=URGENT)
