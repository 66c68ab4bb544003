"""Notices in the demo world: the last week's posts told to the families, some already read, and
one persona who hears at once, so that `make demo` prints a real mail in the console.

The families' notices are made as publishing makes them (`learninglog.notices.post_published`),
so who is told is decided as in production. Only the notices of the two newest days with posts
are unread.
One guardian chose "immediately" without quiet hours: the notice of the newest post about their
child goes out through the task worker that `make demo` starts, to the console mail backend. The
siblings' guardian chose a rhythm per child: immediately for the first, weekly for the second (the
settings page lists the children once the persona accepted the terms of use, R9).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from folja.access import policy
from folja.demo.reads import recent_posts
from folja.learninglog import attention
from folja.learninglog import notices as post_notices
from folja.learninglog.models import Post
from folja.notifications.delivery import still_visible
from folja.notifications.models import ChildRhythm, Notice, Preference, Rhythm
from folja.pages.transitions import notices as transition_notices
from folja.talks import actions as talk_actions
from folja.talks.models import AnswerSet, Part
from folja.transitions.models import TermsOfUse

DAYS = 7
UNREAD_DAYS = 2


def build_demo_notices(world: object) -> int:
    """Tell the families of the last week's posts; return how many notices are unread."""
    posts = recent_posts(world, DAYS).select_related("school_unit")
    english = world.personas.get("guardian_household_b")
    if english is not None:
        Preference.objects.update_or_create(person=english, defaults={"rhythm": Rhythm.WEEKLY, "language": "en"})
    posts = list(posts)
    # The two newest days with posts stay unread (the demo may be built on a Sunday).
    newest = sorted({post.activity_date for post in posts})[-UNREAD_DAYS:]
    for post in posts:
        notices = post_notices.post_published(post)
        if post.activity_date not in newest:
            # Read on the page and mailed in an earlier digest: the start page shows only the newer ones.
            now = timezone.now()
            Notice.objects.filter(pk__in=[n.pk for n in notices]).update(read_at=now, mailed_at=now)
    unread = Notice.objects.filter(read_at__isnull=True, recipient__in=_recipients(world)).order_by("-id")
    # One guardian who accepted the terms (the personas have not yet: R9 hides their notices until
    # they do) hears at once, without quiet hours: the task worker prints that mail in the console.
    for notice in unread.select_related("recipient")[:100]:
        if still_visible(notice):
            Preference.objects.update_or_create(
                person=notice.recipient,
                defaults={"rhythm": Rhythm.IMMEDIATE, "quiet_from": dt.time(0), "quiet_until": dt.time(0)},
            )
            break
    _rhythm_per_child(world)
    return unread.count()


def _rhythm_per_child(world: object) -> None:
    """The siblings' guardian hears at once of the first child, weekly of the second."""
    guardian = world.personas.get("guardian_siblings")
    if guardian is None:
        return
    own = policy.guardian_children_many([guardian.pk])[guardian.pk]
    for child, rhythm in zip([o.child for o in own[:2]], [Rhythm.IMMEDIATE, Rhythm.WEEKLY], strict=False):
        ChildRhythm.objects.update_or_create(person=guardian, child=child, defaults={"rhythm": rhythm})


def _recipients(world: object) -> object:
    return Notice.objects.filter(about_uuid__in=Post.objects.filter(school_unit__in=world.units).values("uuid")).values(
        "recipient"
    )


def build_demo_action_notices(world: object) -> dict[str, int]:
    """Tell what the last round of notice kinds tells, as production does (their tasks and
    actions decide who is told); return how many notices of each kind were stored.

    - the guardians of the child with a planned move to förskoleklass are asked for consent;
    - the guardians who have not accepted the default terms (the personas among them) are told;
    - a guardian's preparation for a talk is told to the staff holding the talk, the preschool
      teacher persona's own talk when there is one;
    - the weekly "Barn att uppmärksamma" goes to the staff of groups with children not
      documented within FOLJA_ATTENTION_DAYS.
    """
    counts = {"consent_question": transition_notices.ask_consent_questions()}
    terms = TermsOfUse.objects.filter(organisation=None).order_by("-version").first()
    counts["terms_new"] = transition_notices.tell_new_terms(terms) if terms is not None else 0
    prepared = AnswerSet.objects.filter(part=Part.GUARDIAN, talk__school_unit__in=world.units).select_related(
        "talk__child"
    )
    teacher = world.personas.get("preschool_teacher")
    answer = prepared.filter(talk__created_by=teacher).order_by("id").first() or prepared.order_by("id").first()
    before = Notice.objects.filter(kind="talk_preparation_handed_in").count()
    if answer is not None:
        talk_actions.tell_preparation_handed_in(answer.talk, joint=answer.author_id is None)
    counts["talk_preparation_handed_in"] = Notice.objects.filter(kind="talk_preparation_handed_in").count() - before
    counts["children_to_notice"] = attention.tell_children_to_notice()
    return counts
