"""Demo posts for the förskoleklass and the school years, linked to Lgr22 goals.

What a teacher in förskoleklass or years 1–3 would document; the goals are the keys of
`folja/curriculum/data/lgr22.json` (chapters 2 and 3; the school years link to chapter 2, the
goals Lgr22 sets for every school type, until subject syllabuses are imported). Used by
`demo.learninglog`, which picks the activities by the group's school type.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Activity:
    title: str
    body: str
    goals: tuple[str, ...]
    motif: str


FKLASS_GROUP_ACTIVITIES = (
    Activity(
        "Vi undersökte is och vatten",
        "Vi lade isbitar i burkar på olika ställen i klassrummet och gissade var de skulle smälta först. "
        "Eleverna ritade vad de såg varje kvart.\n\nVid fönstret smälte isen snabbast. Vi pratade om varför.",
        ("lgr22-3-natur-teknik-samhalle", "lgr22-3-ideer-problemlosning"),
        "water",
    ),
    Activity(
        "Bokstavsjakt i skolan",
        "Vi letade efter bokstaven M i korridoren, på skyltar och i böcker. Eleverna skrev M i luften, i sanden "
        "och på papper och berättade vilka ord de hittade.",
        ("lgr22-3-tal-och-skrift",),
        "letters",
    ),
    Activity(
        "Mönster och former med pärlor",
        "Eleverna gjorde pärlplattor med mönster som upprepar sig och berättade för en kompis hur mönstret "
        "fortsätter. Några räknade hur många pärlor av varje färg de använt.",
        ("lgr22-3-matematik",),
        "shapes",
    ),
    Activity(
        "Rörelselekar på skolgården",
        "Vi lekte under hökens vingar och hoppade hopprep. Efteråt pratade vi om hur kroppen känns när man har "
        "sprungit och varför det är bra att röra på sig.",
        ("lgr22-3-rorelse-halsa",),
        "blocks",
    ),
    Activity(
        "Vi målade till musik",
        "Vi lyssnade på ett lugnt och ett snabbt musikstycke och målade det vi kände. Eleverna visade sina "
        "målningar och berättade om färgerna de valt.",
        ("lgr22-3-estetiska-uttrycksformer",),
        "paint",
    ),
    Activity(
        "Klassens regler för leken",
        "Eleverna kom överens om tre regler för rasten: alla får vara med, vi turas om och vi säger stopp när "
        "något känns fel. Vi pratade om hur det känns att bli utanför.",
        ("lgr22-3-relationer-samarbete", "lgr22-2.1-inlevelse"),
        "faces",
    ),
)

FKLASS_INDIVIDUAL_ACTIVITIES = (
    Activity(
        "{name} skrev en hel mening",
        "Idag skrev {name} en hel mening om sin helg och läste den högt för gruppen. {name} var mycket stolt.",
        ("lgr22-3-tal-och-skrift",),
        "letters",
    ),
    Activity(
        "{name} löste byggproblemet",
        "Bron av klossar rasade hela tiden. {name} provade att göra fundamentet bredare och då höll bron. "
        "{name} förklarade för kompisarna hur.",
        ("lgr22-3-ideer-problemlosning",),
        "blocks",
    ),
    Activity(
        "{name} räknade fåglar",
        "På utflykten räknade {name} fåglarna vid dammen och jämförde: fler kajor än ankor. {name} ritade ett "
        "diagram med streck.",
        ("lgr22-3-matematik", "lgr22-3-natur-teknik-samhalle"),
        "garden",
    ),
)

SCHOOL_GROUP_ACTIVITIES = (
    Activity(
        "Klassråd: vår klass och våra regler",
        "På klassrådet pratade vi om hur vi vill ha det i klassrummet. Eleverna föreslog regler och röstade. "
        "Vi pratade om att allas åsikter är lika mycket värda.",
        ("lgr22-2.1-etiska-stallningstaganden", "lgr22-2.1-egenvarde-integritet"),
        "faces",
    ),
    Activity(
        "Vi städade skolgården",
        "Klassen plockade skräp på skolgården och i parken intill och sorterade det. Vi pratade om vart skräpet "
        "tar vägen och hur vi kan ta hand om platsen där vi är.",
        ("lgr22-2.1-miljo-omsorg",),
        "garden",
    ),
    Activity(
        "Högläsning: hur känns det att vara ny?",
        "Vi läste en bok om en elev som börjar i en ny klass. Eleverna berättade hur de tror att huvudpersonen "
        "kände sig och vad man kan göra för att någon ska känna sig välkommen.",
        ("lgr22-2.1-inlevelse",),
        "book",
    ),
    Activity(
        "Kompissamtal om när något blir fel",
        "Efter en rast där några blev ledsna pratade vi om vad som hände och hur man säger ifrån. Eleverna "
        "övade på att säga stopp och på att hjälpa en kompis.",
        ("lgr22-2.1-avstand-vald-fortryck", "lgr22-2.1-inlevelse"),
        "faces",
    ),
)

SCHOOL_INDIVIDUAL_ACTIVITIES = (
    Activity(
        "{name} hjälpte en ny klasskamrat",
        "{name} visade vår nya klasskamrat runt i skolan och satt bredvid i matsalen hela veckan.",
        ("lgr22-2.1-inlevelse",),
        "faces",
    ),
    Activity(
        "{name} tog ställning i klassrådet",
        "{name} förklarade på klassrådet varför alla ska få vara med i fotbollen på rasten och lyssnade på "
        "dem som tyckte annorlunda.",
        ("lgr22-2.1-etiska-stallningstaganden",),
        "book",
    ),
)
