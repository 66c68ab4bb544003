"""Signals of the directory: what the layers above must react to without the directory knowing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after the transaction that sealed a person (R5) commits, with `person_id`: whatever keeps
# something about the person outside the database (the post cards' cache) drops it.
person_sealed = Signal()
