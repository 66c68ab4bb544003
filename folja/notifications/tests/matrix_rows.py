"""Rows of the authorization matrix for notices (see folja/access/tests/test_matrix.py).

The cast gets: Anna's notices of a post about Alva and of a staff comment in her family's thread,
Cecilia's notice of the group post about Bertil, a notice to Tove (staff) of a comment by Anna,
Anna's push device and an unsubscribe token for Anna; of the kinds of the last round, Anna's
consent question about Alva's move to Ekbacken and Tove's weekly "Barn att uppmärksamma" of
Blåbären (a staff notice naming no child).
"""

from __future__ import annotations

from folja.access.tests.test_matrix import ROLES, Cell
from folja.notifications.emails import unsubscribe_token
from folja.notifications.models import Notice, PushSubscription

SIGNED_IN = frozenset(key for key, (person, role) in ROLES.items() if role is not None)
EVERYONE = frozenset(ROLES)
ONLY_ANNA = frozenset({"guardian_of_c"})
# Anna's own sessions as a guardian (with e-ID, and without: the lower level of assurance) see her notices.
ANNA_AS_GUARDIAN = frozenset(key for key, (person, role) in ROLES.items() if person == "anna" and role is not None)
ALVA_TEXT = "Nytt inlägg om Alva"
BERTIL_TEXT = "Nytt inlägg om Bertil"
CONSENT_TEXT = "Alva ska börja på Ekbackens skola"
ATTENTION_TEXT = "2 barn i gruppen Blåbären"


def build(cast) -> dict[str, str]:  # noqa: ANN001
    alva_post = cast.posts["alva_individual"]
    group_post = cast.posts["blue_group"]
    context = {"path": f"/posts/{alva_post.uuid}/", "child_given_name": "Alva", "unit": "Solrosens förskola"}
    anna = Notice.objects.create(
        recipient=cast.anna, kind="post_published", about_uuid=alva_post.uuid, child=cast.alva, context=context
    )
    Notice.objects.create(
        recipient=cast.cecilia,
        kind="post_published",
        about_uuid=group_post.uuid,
        child=cast.bertil,
        context={**context, "path": f"/posts/{group_post.uuid}/", "child_given_name": "Bertil"},
    )
    teacher = Notice.objects.create(
        recipient=cast.teacher_blue,
        role="staff",
        kind="post_published",
        about_uuid=alva_post.uuid,
        child=cast.alva,
        context=context,
    )
    consent = Notice.objects.create(
        recipient=cast.anna,
        kind="consent_question",
        about_uuid=cast.ekbacken.uuid,
        child=cast.alva,
        context={
            "path": f"/children/{cast.alva.uuid}/transition/",
            "child_given_name": "Alva",
            "unit": "Ekbackens skola",
        },
    )
    attention = Notice.objects.create(
        recipient=cast.teacher_blue,
        role="staff",
        kind="children_to_notice",
        about_uuid=cast.blue.uuid,
        context={"path": f"/coverage/groups/{cast.blue.uuid}/attention/", "count": 2, "group": "Blåbären", "days": 7},
    )
    device = PushSubscription.objects.create(
        person=cast.anna,
        endpoint="https://push.example.net/anna-1",
        p256dh="x" * 87,
        auth="y" * 22,
        label="Annas telefon",
    )
    return {
        "notice:anna_alva": str(anna.uuid),
        "notice:teacher_alva": str(teacher.uuid),
        "notice:anna_consent": str(consent.uuid),
        "notice:teacher_attention": str(attention.uuid),
        "device:anna": str(device.uuid),
        "unsubscribe:anna": unsubscribe_token(cast.anna),
    }


def cells() -> list[Cell]:
    # Each list shows a person their own notices only: Alva's to her family, Bertil's to his.
    # Tove (connected_staff) has a notice of her own about Alva.
    not_annas = tuple((key, ALVA_TEXT) for key in ROLES if key not in ANNA_AS_GUARDIAN | {"connected_staff"})
    not_cecilias = tuple((key, BERTIL_TEXT) for key in ROLES if key != "guardian_other_child_same_group")
    return [
        Cell(
            "notices/list",
            "notices:list",
            "GET",
            SIGNED_IN,
            shows=(("guardian_of_c", ALVA_TEXT), ("guardian_other_child_same_group", BERTIL_TEXT)),
            hides=not_annas + not_cecilias,
        ),
        Cell("notice/open", "notices:open", "GET", ONLY_ANNA, ("notice:anna_alva",)),
        # A notice to a staff member is theirs alone, in a staff session of that person.
        Cell(
            "staff notice/open",
            "notices:open",
            "GET",
            frozenset({"connected_staff"}),
            ("notice:teacher_alva",),
        ),
        # The new kinds: a guardian's consent question, a staff member's weekly notice of a group.
        Cell(
            "notices of the new kinds/list",
            "notices:list",
            "GET",
            SIGNED_IN,
            shows=(("guardian_of_c", CONSENT_TEXT), ("connected_staff", ATTENTION_TEXT)),
            hides=tuple((key, CONSENT_TEXT) for key in ROLES if key not in ANNA_AS_GUARDIAN)
            + tuple((key, ATTENTION_TEXT) for key in ROLES if key != "connected_staff"),
        ),
        Cell("consent notice/open", "notices:open", "GET", ONLY_ANNA, ("notice:anna_consent",)),
        Cell("notices/mark all read", "notices:read_all", "POST", SIGNED_IN),
        Cell(
            "notice settings/read",
            "notices:settings",
            "GET",
            SIGNED_IN,
            shows=(("guardian_of_c", "Annas telefon"),),
            hides=tuple((key, "Annas telefon") for key in ROLES if key not in ANNA_AS_GUARDIAN),
        ),
        Cell(
            "notice settings/edit",
            "notices:settings",
            "POST",
            SIGNED_IN,
            data=(("rhythm", "weekly"), ("email_enabled", "on"), ("quiet_from", "20:00"), ("quiet_until", "07:00")),
        ),
        Cell(
            "push device/add",
            "notices:device_add",
            "POST",
            SIGNED_IN,
            data=(("endpoint", "https://push.example.net/new"), ("p256dh", "k" * 87), ("auth", "a" * 22)),
        ),
        Cell("push device/delete", "notices:device_delete", "POST", ONLY_ANNA, ("device:anna",)),
        # No sign-in: the signed token is the authority (turning mail off is all it can do).
        # The page does not say whose link it is.
        Cell(
            "unsubscribe/read",
            "notices:unsubscribe",
            "GET",
            EVERYONE,
            ("unsubscribe:anna",),
            hides=tuple((key, "Anna Lind") for key in ROLES if key not in ANNA_AS_GUARDIAN),
        ),
        Cell("app manifest", "notices:manifest", "GET", EVERYONE, hides=(("*", "Alva"),)),
        Cell("service worker", "notices:service_worker", "GET", EVERYONE, hides=(("*", "Alva"),)),
    ]
