"""Demo learning log: months of posts with pictures, goals and comments for the demo world.

Called by `manage.py demo_world` after the directory is built. Everything random comes from a
`random.Random(seed)`, so the same seed gives the same posts (uuids included). Pictures are
drawn here with Pillow (no photos of real children), stored once per motif through the media
pipeline's own functions (metadata removal, renditions) and copied per post.

Rows are written with bulk_create; the number of queries grows with the number of batches, not
with a loop over posts. A municipality-scale world (more than MAX_CHILDREN children) gets no
demo posts here: the benchmarks generate their own volume.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone
from PIL import Image, ImageDraw

from folja.core.dates import today
from folja.curriculum.loader import load_lgr22, load_lpfo18
from folja.curriculum.models import Goal
from folja.demo.school_activities import (
    FKLASS_GROUP_ACTIVITIES,
    FKLASS_INDIVIDUAL_ACTIVITIES,
    SCHOOL_GROUP_ACTIVITIES,
    SCHOOL_INDIVIDUAL_ACTIVITIES,
    Activity,
)
from folja.directory.models import GroupMembership, Guardianship, Person, Placement, RelationType
from folja.learninglog.models import Comment, PhotoConsent, Post, PostChild, PostGoal, PostKind, PostStatus
from folja.learninglog.text import text_to_html
from folja.media import processing
from folja.media.actions import rendition_fields
from folja.media.models import Media, MediaKind, MediaStatus, Rendition, new_storage_name

MAX_CHILDREN = 5000
DAYS_BACK = 200


# Group activities as a preschool teacher would document them; goals are Lpfö 18 keys.
GROUP_ACTIVITIES = (
    Activity(
        "Vattenlek på gården",
        "Vi hällde vatten mellan kannor och flaskor i olika storlekar. Barnen jämförde vilken som rymde mest "
        "och provade att räkna hur många muggar som fick plats.\n\nFlera barn upptäckte att den smala flaskan "
        "rymde lika mycket som den breda. Vi pratade om varför.",
        ("lpfo18-2.2-matematik-begrepp", "lpfo18-2.2-matematik-problemlosning"),
        "water",
    ),
    Activity(
        "Skogsutflykt – vi letade efter höstens färger",
        "Vi gick till skogsdungen bakom förskolan och samlade löv, kottar och pinnar. Tillbaka på avdelningen "
        "sorterade barnen sina fynd efter färg och storlek.\n\nVi lärde oss orden lönn, ek och björk.",
        ("lpfo18-2.2-natur-kretslopp", "lpfo18-2.2-talsprak-ordforrad"),
        "leaves",
    ),
    Activity(
        "Vi byggde en koja tillsammans",
        "Barnen planerade en koja av filtar och stolar. De fick komma överens om var ingången skulle vara och "
        "turas om att hålla i filten.\n\nNär kojan rasade hjälptes alla åt att bygga upp den igen.",
        ("lpfo18-2.1-oppenhet-respekt", "lpfo18-2.2-enskilt-och-i-grupp"),
        "blocks",
    ),
    Activity(
        "Måla till musik",
        "Vi lyssnade på tre olika musikstycken och målade det vi kände. Till det snabba stycket blev det "
        "många spretiga streck, till det lugna mjuka cirklar.",
        ("lpfo18-2.2-skapande-uttrycksformer", "lpfo18-2.2-fantasi"),
        "paint",
    ),
    Activity(
        "Sagostund: Bockarna Bruse",
        "Vi läste sagan om Bockarna Bruse och barnen fick gestalta bockarna och trollet. Efteråt pratade vi om "
        "hur det känns att vara rädd och hur man kan vara modig.",
        ("lpfo18-2.2-berattelser-medier", "lpfo18-2.1-hansyn-inlevelse"),
        "book",
    ),
    Activity(
        "Rörelsebana i hallen",
        "Vi byggde en hinderbana med madrasser, bänkar och en tunnel. Barnen klättrade, kröp och balanserade "
        "och hejade på varandra.",
        ("lpfo18-2.2-motorik-halsa",),
        "blocks",
    ),
    Activity(
        "Vi odlar krasse",
        "Barnen sådde krassefrön i äggkartonger. Varje dag tittar vi på hur mycket de har vuxit och ritar av dem. "
        "Vi pratar om vad en växt behöver: vatten, ljus och jord.",
        ("lpfo18-2.2-natur-kretslopp", "lpfo18-2.2-naturvetenskap"),
        "garden",
    ),
    Activity(
        "Former och mönster med klossar",
        "Vi letade efter trianglar, kvadrater och cirklar på avdelningen och byggde mönster med klossar. "
        "Några barn gjorde mönster som upprepade sig: röd, blå, röd, blå.",
        ("lpfo18-2.2-matematik-begrepp",),
        "shapes",
    ),
    Activity(
        "Samling om känslor",
        "På samlingen pratade vi om glad, ledsen, arg och rädd. Barnen visade med ansiktet och fick berätta om "
        "en gång när de känt så.",
        ("lpfo18-2.1-hansyn-inlevelse", "lpfo18-2.2-identitet-integritet"),
        "faces",
    ),
    Activity(
        "Barnens röstning: vad ska vi leka i eftermiddag?",
        "Barnen föreslog tre lekar och röstade med klossar i burkar. Det blev kurragömma. Vi pratade om att "
        "alla röster räknas lika mycket.",
        ("lpfo18-2.3-uttrycka-asikter", "lpfo18-2.3-demokratiska-principer"),
        "shapes",
    ),
)

INDIVIDUAL_ACTIVITIES = (
    Activity(
        "{name} skrev sitt namn",
        "Idag skrev {name} sitt namn själv för första gången, med stora bokstäver på teckningen. {name} var "
        "mycket stolt och visade alla kompisarna.",
        ("lpfo18-2.2-skriftsprak-symboler",),
        "letters",
    ),
    Activity(
        "{name} räknade till tjugo",
        "Vid fruktstunden räknade {name} äppelbitarna, först till tio och sedan ända till tjugo. Vi räknade "
        "baklänges tillsammans också.",
        ("lpfo18-2.2-matematik-begrepp",),
        "shapes",
    ),
    Activity(
        "{name} hjälpte en kompis",
        "{name} såg att en kompis inte fick på sig stövlarna och gick fram och hjälpte till utan att någon bad om det.",
        ("lpfo18-2.1-hansyn-inlevelse",),
        "faces",
    ),
    Activity(
        "{name} berättade om helgen",
        "På samlingen berättade {name} om besöket hos mormor, med början, mitten och slut. Kompisarna ställde frågor.",
        ("lpfo18-2.2-berattelser-medier",),
        "book",
    ),
    Activity(
        "{name} byggde ett högt torn",
        "{name} byggde ett torn av klossar som var lika högt som bordet och provade flera sätt att få det stadigt.",
        ("lpfo18-2.2-bygga-konstruera", "lpfo18-2.2-matematik-problemlosning"),
        "blocks",
    ),
)

GUARDIAN_COMMENTS = (
    "Vad roligt! Hen pratade om det hela kvällen.",
    "Tack för att ni delar med er, vi blev så glada.",
    "Det här ska vi prova hemma också!",
    "Hen har berättat om det här, kul att se bilderna.",
    "Tack! Härligt att se hur det går framåt.",
)
STAFF_REPLIES = (
    "Vad kul att höra! 😊",
    "Tack för att du berättar, det gör vi gärna igen.",
    "Roligt att det märks hemma!",
)

# The group's school type chooses the activities and so the curriculum their goals come from.
ACTIVITIES_BY_SCHOOL_TYPE = {
    "FKLASS": (FKLASS_GROUP_ACTIVITIES, FKLASS_INDIVIDUAL_ACTIVITIES),
    "GR": (SCHOOL_GROUP_ACTIVITIES, SCHOOL_INDIVIDUAL_ACTIVITIES),
}
PALETTES = {
    "water": ((120, 180, 230), (40, 110, 190), (230, 240, 250)),
    "leaves": ((200, 120, 40), (170, 60, 30), (230, 200, 80)),
    "blocks": ((220, 70, 60), (60, 120, 200), (250, 200, 60)),
    "paint": ((240, 90, 120), (90, 180, 120), (250, 220, 90)),
    "book": ((140, 100, 70), (240, 230, 210), (90, 60, 40)),
    "garden": ((90, 160, 70), (120, 80, 50), (200, 230, 150)),
    "shapes": ((240, 150, 40), (60, 160, 170), (200, 80, 140)),
    "faces": ((250, 210, 120), (240, 150, 80), (120, 80, 60)),
    "letters": ((70, 90, 170), (250, 250, 240), (220, 80, 70)),
}


def draw_motif(motif: str, variant: int, rng: random.Random) -> bytes:
    """Return a JPEG drawing (1200×900) that suggests the activity: shapes in the motif's colours."""
    base, accent, light = PALETTES[motif]
    image = Image.new("RGB", (1200, 900), light)
    draw = ImageDraw.Draw(image)
    for y in range(0, 900, 6):  # a soft vertical gradient for the background
        t = y / 900
        colour = tuple(int(light[i] * (1 - t) + base[i] * t * 0.35 + light[i] * t * 0.65) for i in range(3))
        draw.rectangle((0, y, 1200, y + 6), fill=colour)
    for _ in range(18 + variant * 3):
        x, y = rng.randint(0, 1150), rng.randint(0, 850)
        size = rng.randint(40, 220)
        colour = rng.choice((base, accent))
        shape = rng.choice(("ellipse", "rectangle", "polygon"))
        if shape == "ellipse":
            draw.ellipse((x, y, x + size, y + size * 0.8), fill=colour, outline=(40, 40, 40), width=3)
        elif shape == "rectangle":
            draw.rounded_rectangle(
                (x, y, x + size, y + size * 0.6), radius=12, fill=colour, outline=(40, 40, 40), width=3
            )
        else:
            points = [
                (x + size / 2 * (1 + math.cos(a)), y + size / 2 * (1 + math.sin(a)))
                for a in (i * 2 * math.pi / 3 + rng.random() for i in range(3))
            ]
            draw.polygon(points, fill=colour, outline=(40, 40, 40))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


@dataclass
class StoredPicture:
    original: bytes
    extension: str
    content_type: str
    width: int
    height: int
    renditions: list[processing.ImageRendition]


def _pictures(rng: random.Random) -> dict[str, list[StoredPicture]]:
    """Return two cleaned pictures with renditions per motif, made once through the media pipeline."""
    pictures: dict[str, list[StoredPicture]] = {}
    for motif in sorted(PALETTES):
        for variant in range(2):
            clean = processing.clean_image(io.BytesIO(draw_motif(motif, variant, rng)), max_pixels=50_000_000)
            renditions = processing.make_image_renditions(io.BytesIO(clean.data), max_pixels=50_000_000)
            pictures.setdefault(motif, []).append(
                StoredPicture(clean.data, clean.extension, clean.content_type, clean.width, clean.height, renditions)
            )
    return pictures


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def build_learning_log(world: object, *, seed: int) -> None:
    """Add about DAYS_BACK days of posts, pictures, goals and comments to a demo world."""
    if world.children > MAX_CHILDREN:
        return
    rng = random.Random(seed * 7919 + 1)
    day = today()
    if not Goal.objects.filter(curriculum__code="LPFO18").exists():
        load_lpfo18()
    if not Goal.objects.filter(curriculum__code="LGR22").exists():
        load_lgr22()  # the förskoleklass and school units document against Lgr22
    goals_by_key = {g.key: g for g in Goal.objects.current()}
    pictures = _pictures(rng)

    groups = list(world.groups)
    memberships = defaultdict(list)
    for m in (
        GroupMembership.objects.filter(group__in=groups)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day - dt.timedelta(days=DAYS_BACK)))
        .select_related("person")
        .order_by("group_id", "person__given_name", "pk")
    ):
        memberships[m.group_id].append(m)
    guardians_of: dict[int, list[int]] = defaultdict(list)
    for child_id, responsible_id in (
        Guardianship.objects.filter(relation_type=RelationType.GUARDIAN, child__group_memberships__group__in=groups)
        .values_list("child_id", "responsible_id")
        .distinct()
        .order_by("child_id", "responsible_id")
    ):
        guardians_of[child_id].append(responsible_id)

    # One child of the first group with staff, whose guardians are no personas, is named in no post
    # of the last FOLJA_ATTENTION_DAYS days: the staff's weekly "Barn att uppmärksamma" has someone
    # to count whatever the seed (learninglog/attention.py).
    persona_ids = {person.pk for person in world.personas.values()}
    first = next((g for g in groups if world.group_staff.get(g.pk)), None)
    left_out = next(
        (
            m.person_id
            for m in reversed(memberships[first.pk] if first else [])
            if m.is_active(day) and m.person_id not in persona_ids and not persona_ids & set(guardians_of[m.person_id])
        ),
        None,
    )
    quiet_days = settings.FOLJA_ATTENTION_DAYS

    posts: list[Post] = []
    named: list[list[int]] = []
    post_goal_keys: list[tuple[str, ...]] = []
    motifs: list[tuple[str, int]] = []
    for group in groups:
        staff = world.group_staff.get(group.pk) or []
        if not staff:
            continue
        group_activities, individual_activities = ACTIVITIES_BY_SCHOOL_TYPE.get(
            group.school_type, (GROUP_ACTIVITIES, INDIVIDUAL_ACTIVITIES)
        )
        for days_ago in range(2, DAYS_BACK, 4):
            activity_date = day - dt.timedelta(days=days_ago)
            if activity_date.weekday() >= 5 or (activity_date.month == 7):
                continue  # weekends and the summer break
            present = [m.person_id for m in memberships[group.pk] if m.is_active(activity_date)]
            if not present:
                continue
            quiet = left_out if days_ago < quiet_days else None
            if rng.random() < 0.6:
                activity = rng.choice(group_activities)
                children = [c for c in present if rng.random() > 0.12 and c != quiet]  # some were absent
                children = children or [c for c in present if c != quiet][:1] or present[:1]
                kind, title, body = PostKind.GROUP, activity.title, activity.body
            else:
                activity = rng.choice(individual_activities)
                child_id = rng.choice(present)
                if child_id == quiet:
                    child_id = next((c for c in present if c != quiet), child_id)
                child = next(m.person for m in memberships[group.pk] if m.person_id == child_id)
                children = [child_id]
                kind = PostKind.INDIVIDUAL
                title = activity.title.format(name=child.given_name)
                body = activity.body.format(name=child.given_name)
            status = PostStatus.DRAFT if days_ago < 6 and rng.random() < 0.3 else PostStatus.PUBLISHED
            published_at = timezone.make_aware(dt.datetime.combine(activity_date, dt.time(15, rng.randint(0, 59))))
            posts.append(
                Post(
                    uuid=_uuid(rng),
                    organisation=world.organisation,
                    school_unit=group.school_unit,
                    group=group if kind == PostKind.GROUP else None,
                    kind=kind,
                    status=status,
                    author_id=rng.choice(staff),
                    title=title,
                    body_html=text_to_html(body),
                    activity_date=activity_date,
                    published_at=published_at if status == PostStatus.PUBLISHED else None,
                )
            )
            named.append(children)
            post_goal_keys.append(activity.goals)
            motifs.append((activity.motif, rng.randint(0, 2)))  # 0–2 pictures

    Post.objects.bulk_create(posts, batch_size=500)
    PostChild.objects.bulk_create(
        [
            PostChild(post=post, child_id=child_id, activity_date=post.activity_date)
            for post, children in zip(posts, named, strict=True)
            for child_id in children
        ],
        batch_size=2000,
    )
    PostGoal.objects.bulk_create(
        [
            PostGoal(post=post, goal=goals_by_key[key])
            for post, keys in zip(posts, post_goal_keys, strict=True)
            for key in keys
            if key in goals_by_key
        ],
        batch_size=2000,
    )
    _add_media(posts, motifs, pictures, rng)
    _add_comments(posts, named, guardians_of, rng)
    _add_transition_thread(world, posts, named, guardians_of, rng)
    _add_photo_consents(named, guardians_of, rng)


def _add_media(posts: list[Post], motifs: list[tuple[str, int]], pictures: dict, rng: random.Random) -> None:
    media_rows: list[Media] = []
    picked: list[StoredPicture] = []
    for post, (motif, count) in zip(posts, motifs, strict=True):
        for seq in range(count):
            picture = pictures[motif][(seq + rng.randint(0, 1)) % len(pictures[motif])]
            name = default_storage.save(new_storage_name("originals", picture.extension), ContentFile(picture.original))
            media_rows.append(
                Media(
                    uuid=_uuid(rng),
                    post=post,
                    kind=MediaKind.IMAGE,
                    status=MediaStatus.READY,
                    file=name,
                    original_name=f"bild-{seq + 1}{picture.extension}",
                    content_type=picture.content_type,
                    byte_size=len(picture.original),
                    width=picture.width,
                    height=picture.height,
                    alt_text=post.title,
                    seq=seq,
                    uploaded_by_id=post.author_id,
                )
            )
            picked.append(picture)
    Media.objects.bulk_create(media_rows, batch_size=500)
    renditions = []
    for media, picture in zip(media_rows, picked, strict=True):
        for rendition in picture.renditions:
            name = default_storage.save(new_storage_name("renditions", ".jpg"), ContentFile(rendition.data))
            renditions.append(Rendition(media=media, name=rendition.name, **rendition_fields(rendition, name)))
    Rendition.objects.bulk_create(renditions, batch_size=1000)


def _add_comments(posts: list[Post], named: list[list[int]], guardians_of: dict, rng: random.Random) -> None:
    comments: list[Comment] = []
    for post, children in zip(posts, named, strict=True):
        if post.status != PostStatus.PUBLISHED or rng.random() > 0.35:
            continue
        child_id = rng.choice(children)
        guardians = guardians_of.get(child_id)
        if not guardians:
            continue
        created = timezone.make_aware(dt.datetime.combine(post.activity_date, dt.time(19, rng.randint(0, 59))))
        comments.append(
            Comment(
                uuid=_uuid(rng),
                post=post,
                author_id=rng.choice(guardians),
                author_role="guardian",
                family_child_id=child_id,
                body=rng.choice(GUARDIAN_COMMENTS),
            )
        )
        if rng.random() < 0.5:
            comments.append(
                Comment(
                    uuid=_uuid(rng),
                    post=post,
                    author_id=post.author_id,
                    author_role="staff",
                    family_child_id=child_id,
                    body=rng.choice(STAFF_REPLIES),
                )
            )
        comments[-1].created_at = created
    Comment.objects.bulk_create(comments, batch_size=1000)


def _add_transition_thread(
    world: object, posts: list[Post], named: list[list[int]], guardians_of: dict, rng: random.Random
) -> None:
    """Give the preschool group post that best shows R8 per child a thread from two families.

    The newest published group post at the preschool that names the child who moved to
    förskoleklass (whose guardians consent: transitions/demo.py), a classmate who moved with it
    (whose guardians did not) and a child who stayed gets a comment from each moved child's
    family and one from staff to everyone. The F-klass teacher reads the post through the
    consenting child only: that family's comment and the staff comment, no other name.
    """
    guardian = world.personas.get("guardian_moved_child")
    if guardian is None:
        return
    moved_children = set(Placement.objects.filter(school_type="FKLASS").values_list("child_id", flat=True))
    own = set(
        Guardianship.objects.filter(responsible=guardian, relation_type=RelationType.GUARDIAN).values_list(
            "child_id", flat=True
        )
    )
    for post, children in sorted(zip(posts, named, strict=True), key=lambda pair: pair[0].activity_date, reverse=True):
        if post.kind != PostKind.GROUP or post.status != PostStatus.PUBLISHED:
            continue
        mine = [c for c in children if c in own and c in moved_children]
        classmates = [c for c in children if c not in own and c in moved_children and guardians_of.get(c)]
        if not mine or not classmates or not [c for c in children if c not in moved_children]:
            continue
        names = dict(Person.objects.filter(pk__in=[mine[0], classmates[0]]).values_list("pk", "given_name"))
        at = timezone.make_aware(dt.datetime.combine(post.activity_date, dt.time(20, 5)))
        thread = [
            (guardian.pk, "guardian", mine[0], f"{names[mine[0]]} pratar fortfarande om den här dagen. Tack!"),
            (
                rng.choice(guardians_of[classmates[0]]),
                "guardian",
                classmates[0],
                f"{names[classmates[0]]} har ritat en teckning om det här hemma.",
            ),
            (post.author_id, "staff", None, "Tack alla för en fin termin tillsammans!"),
        ]
        for author_id, role, family_id, body in thread:
            comment = Comment.objects.create(
                uuid=_uuid(rng), post=post, author_id=author_id, author_role=role, family_child_id=family_id, body=body
            )
            Comment.objects.filter(pk=comment.pk).update(created_at=at)
        return


def _add_photo_consents(named: list[list[int]], guardians_of: dict, rng: random.Random) -> None:
    """Record photo consent for most children; a few have said no, and some have not answered."""
    children = sorted({c for group in named for c in group})
    now = timezone.now()
    consents = []
    for child_id in children:
        guardians = guardians_of.get(child_id)
        roll = rng.random()
        if not guardians or roll < 0.1:
            continue  # not answered yet
        consents.append(PhotoConsent(child_id=child_id, allowed=roll > 0.18, set_by_id=guardians[0], set_at=now))
    PhotoConsent.objects.bulk_create(consents)
