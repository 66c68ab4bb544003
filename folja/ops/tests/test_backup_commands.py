"""The backup commands' guards, on any database (the drill itself needs PostgreSQL)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from folja.ops.backup import without_values


def test_a_tool_s_error_keeps_no_row_values():
    message = (
        "pg_restore: error: could not execute query: ERROR:  duplicate key value violates unique constraint\n"
        "DETAIL:  Key (civic_number)=(201901019802) already exists.\n"
        "Command was: COPY public.directory_person (id, civic_number) FROM stdin; 20190101-9802"
    )

    cleaned = without_values(message)

    assert "duplicate key value" in cleaned and "COPY public.directory_person" in cleaned
    assert "201901019802" not in cleaned and "9802" not in cleaned and "DETAIL" not in cleaned


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite guard")
def test_backup_and_restore_refuse_sqlite_with_a_clear_message(tmp_path):
    with pytest.raises(CommandError, match="need PostgreSQL"):
        call_command("backup", str(tmp_path / "backup"))
    with pytest.raises(CommandError, match="need PostgreSQL"):
        call_command("restore", str(tmp_path / "backup"))


@pytest.mark.django_db
def test_restore_without_a_manifest_is_refused(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the SQLite guard comes first")
    with pytest.raises(CommandError, match=r"manifest\.json not found"):
        call_command("restore", str(tmp_path))
