"""The scopes an app may ask for: one per resource family and kind of access (docs/api-auth.md).

A scope only narrows what a token may be used for; what the person may see or do is asked of the
access module on every request, as for the pages. Each scope names the roles it makes sense for,
so a guardian is never asked to allow "publish posts" and a staff member never "answer consent".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from folja.access.roles import Role


@dataclass(frozen=True)
class Scope:
    name: str
    description: str | Promise  # plain Swedish, shown on the consent page and the settings page
    roles: frozenset[Role]


_FAMILY = frozenset({Role.GUARDIAN})
_STAFF = frozenset({Role.STAFF})
_BOTH = frozenset({Role.GUARDIAN, Role.STAFF})

_ALL = [
    Scope("children:read", _("Se vilka barn du har kontakt med"), _BOTH),
    Scope("timeline:read", _("Läsa lärloggen: inlägg, bilder och filmer"), _BOTH),
    Scope("comments:write", _("Skriva kommentarer på inlägg"), _BOTH),
    Scope("talks:read", _("Se utvecklingssamtal och bokningsbara tider"), _BOTH),
    Scope("talks:write", _("Boka, flytta och avboka samtal och skriva förberedelser"), _BOTH),
    Scope("consent:read", _("Se vad du har svarat om samtycke"), _FAMILY),
    Scope("consent:write", _("Svara på frågor om samtycke"), _FAMILY),
    Scope("notices:read", _("Läsa dina aviseringar"), _BOTH),
    Scope("notices:write", _("Markera aviseringar som lästa"), _BOTH),
    Scope("exports:read", _("Se och hämta dina exporter"), _FAMILY),
    Scope("exports:write", _("Beställa en export av lärloggen"), _FAMILY),
    Scope("posts:write", _("Skriva, publicera och ändra inlägg"), _STAFF),
    Scope("groups:read", _("Se dina grupper och vilka som är med i dem"), _BOTH),
    Scope("coverage:read", _("Se måluppfyllelse för dina grupper"), _STAFF),
]

#: Every scope by name, in the order they are shown.
SCOPES: dict[str, Scope] = {scope.name: scope for scope in _ALL}


def parse(value: str | None) -> list[str]:
    """Return the scope names in a space-separated string, each once, in the order of SCOPES."""
    asked = set((value or "").split())
    return [name for name in SCOPES if name in asked]


def for_role(names: list[str] | set[str] | frozenset[str], role: Role | str) -> list[str]:
    """Return the names among `names` that a person acting in `role` may allow."""
    return [name for name in SCOPES if name in names and Role(role) in SCOPES[name].roles]


def describe(names: list[str] | set[str] | frozenset[str]) -> list[Scope]:
    """Return the scopes named, in the order of SCOPES (for the consent and settings pages)."""
    return [SCOPES[name] for name in SCOPES if name in names]
