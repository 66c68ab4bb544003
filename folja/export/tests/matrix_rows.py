"""Rows of the authorization matrix for exports (see folja/access/tests/test_matrix.py).

The cast gets one ready export of Alva's portfolio, asked for by Anna (guardian of C). Only she
may open the export page of C, ask for an export and fetch its files; the other household's
guardian has an export of their own (not in the matrix: `test_export.py`).

And one ready export the principal (connected to Alva, unit-wide) asked for on Anna's behalf:
only the principal and Anna may fetch it, not Blåbären's teacher (connected, but not the one
who asked). Staff connected to Alva may open the page that asks for one and ask.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from folja.access.tests.test_matrix import Cell
from folja.export.models import Export, ExportStatus
from folja.media.models import new_storage_name

GUARDIAN_OF_C = frozenset({"guardian_of_c"})
STAFF_OF_C = frozenset({"connected_staff", "principal"})
# The staff export's requester and the guardian it is for.
PRINCIPAL_AND_GUARDIAN = frozenset({"principal", "guardian_of_c"})


def _ready_export(**fields: object) -> Export:
    now = timezone.now()
    return Export.objects.create(
        language="sv",
        status=ExportStatus.READY,
        progress=100,
        pdf_file=default_storage.save(new_storage_name("exports", ".pdf"), ContentFile(b"%PDF-1.4 Alva Lind")),
        zip_file=default_storage.save(new_storage_name("exports", ".zip"), ContentFile(b"PK Alva Lind")),
        finished_at=now,
        expires_at=now + dt.timedelta(days=3),
        **fields,
    )


def build(cast) -> dict[str, str]:  # noqa: ANN001
    """Create Anna's ready export of Alva's portfolio, and the principal's on Anna's behalf; return their tokens."""
    own = _ready_export(requested_by=cast.anna, child=cast.alva, role="guardian")
    on_behalf = _ready_export(
        requested_by=cast.principal,
        child=cast.alva,
        role="staff",
        on_behalf_of=cast.anna,
        reason="Anna bad om hjälp",
        organisation=cast.org_a,
    )
    return {
        "export:alva": str(own.uuid),
        "export:alva_by_staff": str(on_behalf.uuid),
        "guardian:anna": str(cast.anna.uuid),
    }


def cells() -> list[Cell]:
    c = Cell
    return [
        c("export page/read", "export:child", "GET", GUARDIAN_OF_C, ("child:alva",)),
        c("export/create", "export:child", "POST", GUARDIAN_OF_C, ("child:alva",)),
        c("export progress/read", "export:status", "GET", GUARDIAN_OF_C, ("export:alva",)),
        c("export pdf/read", "export:file", "GET", GUARDIAN_OF_C, ("export:alva", "pdf")),
        c("export zip/read", "export:file", "GET", GUARDIAN_OF_C, ("export:alva", "zip")),
        # A staff member asking on a guardian's behalf: staff connected to C now.
        c("export for guardian page/read", "export:for_guardian", "GET", STAFF_OF_C, ("child:alva",)),
        c(
            "export for guardian/create",
            "export:for_guardian",
            "POST",
            STAFF_OF_C,
            ("child:alva",),
            (("guardian", "guardian:anna"), ("reason", "Anna bad om hjälp")),
        ),
        c("staff export progress/read", "export:status", "GET", PRINCIPAL_AND_GUARDIAN, ("export:alva_by_staff",)),
        c("staff export pdf/read", "export:file", "GET", PRINCIPAL_AND_GUARDIAN, ("export:alva_by_staff", "pdf")),
        c("staff export zip/read", "export:file", "GET", PRINCIPAL_AND_GUARDIAN, ("export:alva_by_staff", "zip")),
    ]
