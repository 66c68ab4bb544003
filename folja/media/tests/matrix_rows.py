"""Rows of the authorization matrix for the child's "don't show" marker (B5, issue 29).

The matrix's photo is on Alva's individual post. Alva (the child) or staff connected to her at
Solrosen may mark it; only those staff decide on a marker (built here, pending).
"""

from __future__ import annotations

from folja.access.tests.test_matrix import Cell

STAFF_OF_C = frozenset({"connected_staff", "principal"})


def build(cast) -> dict[str, str]:  # noqa: ANN001
    from folja.media.models import ConsentMarker, Media

    media = Media.objects.get(post=cast.posts["alva_individual"])
    marker = ConsentMarker.objects.create(media=media, child=cast.alva, marked_by=cast.alva)
    return {"marker:alva_photo": str(marker.uuid), "person:alva_uuid": str(cast.alva.uuid)}


def cells() -> list[Cell]:
    return [
        Cell(
            "media marker/create",
            "media:marker",
            "POST",
            frozenset({"child_c"}) | STAFF_OF_C,
            ("media:alva_photo",),
            (("child", "person:alva_uuid"),),
        ),
        Cell(
            "media marker/decide",
            "media:marker_decide",
            "POST",
            STAFF_OF_C,
            ("media:alva_photo", "marker:alva_photo"),
            (("decision", "hidden"),),
        ),
    ]
