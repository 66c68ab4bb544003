"""The school forms' built-in talk templates in fa (see __init__.py)."""

from __future__ import annotations

FKLASS: dict[str, dict[str, object]] = {}
SCHOOL: dict[str, dict[str, object]] = {}
FRITIDSHEM: dict[str, dict[str, object]] = {}
