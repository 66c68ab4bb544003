"""Rows of the authorization matrix for exports (see folja/access/tests/test_matrix.py).

The cast gets one ready export of Alva's portfolio, asked for by Anna (guardian of C). Only she
may open the export page of C, ask for an export and fetch its files; the other household's
guardian has an export of their own (not in the matrix: `test_export.py`).
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


def build(cast) -> dict[str, str]:  # noqa: ANN001
    """Create Anna's ready export of Alva's portfolio and return its token."""
    now = timezone.now()
    export = Export.objects.create(
        requested_by=cast.anna,
        child=cast.alva,
        role="guardian",
        language="sv",
        status=ExportStatus.READY,
        progress=100,
        pdf_file=default_storage.save(new_storage_name("exports", ".pdf"), ContentFile(b"%PDF-1.4 Alva Lind")),
        zip_file=default_storage.save(new_storage_name("exports", ".zip"), ContentFile(b"PK Alva Lind")),
        finished_at=now,
        expires_at=now + dt.timedelta(days=3),
    )
    return {"export:alva": str(export.uuid)}


def cells() -> list[Cell]:
    c = Cell
    return [
        c("export page/read", "export:child", "GET", GUARDIAN_OF_C, ("child:alva",)),
        c("export/create", "export:child", "POST", GUARDIAN_OF_C, ("child:alva",)),
        c("export progress/read", "export:status", "GET", GUARDIAN_OF_C, ("export:alva",)),
        c("export pdf/read", "export:file", "GET", GUARDIAN_OF_C, ("export:alva", "pdf")),
        c("export zip/read", "export:file", "GET", GUARDIAN_OF_C, ("export:alva", "zip")),
    ]
