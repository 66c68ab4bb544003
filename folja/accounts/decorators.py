"""One decorator per audience: the view only runs for a session acting in that role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from folja.access.roles import Role
from folja.accounts.gate import terms_redirect

View = Callable[..., HttpResponse]


def _require(*roles: Role, terms_exempt: bool = False) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            viewer = getattr(request, "viewer", None)
            if viewer is None:
                return redirect_to_login(request.get_full_path())
            if viewer.role not in roles:
                raise PermissionDenied
            if not terms_exempt:
                # R9: a guardian with current terms to accept sees them first (the policy hides data too).
                gate = terms_redirect(request)
                if gate is not None:
                    return gate
            return view(request, *args, **kwargs)

        wrapper.folja_roles = roles  # read by the URL coverage test of the authorization matrix
        return wrapper

    return decorator


guardian_required = _require(Role.GUARDIAN)
staff_required = _require(Role.STAFF)
family_required = _require(Role.GUARDIAN, Role.CHILD)
child_required = _require(Role.CHILD)
viewer_required = _require(Role.GUARDIAN, Role.STAFF, Role.CHILD)
# For the terms pages themselves, which a guardian must reach before accepting (R9).
guardian_terms_required = _require(Role.GUARDIAN, terms_exempt=True)


def full_assurance_required(act: str, *, methods: tuple[str, ...] = ()) -> Callable[[View], View]:
    """Refuse the act to a session at the lower level of assurance (access/assurance.py: `may_act`)
    with a page that says why and how to get full access; `methods` limits it to those HTTP
    methods (e.g. a settings page that may be read but not saved). Goes inside the role decorator.
    An action that raises `assurance.LowerAssuranceRefused` gets the same page."""
    from folja.access import assurance

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            viewer = getattr(request, "viewer", None)
            applies = viewer is not None and (not methods or request.method in methods)
            if applies and not assurance.may_act(viewer, act):
                return lower_assurance_refused(request, act)
            try:
                return view(request, *args, **kwargs)
            except assurance.LowerAssuranceRefused as refused:
                return lower_assurance_refused(request, refused.act)

        return wrapper

    return decorator


def lower_assurance_refused(request: HttpRequest, act: str) -> HttpResponse:
    """403 with what was refused, why, and how to get full access."""
    from django.shortcuts import render

    from folja.access import assurance

    return render(
        request, "accounts/lower_assurance_refused.html", {"reason": assurance.REFUSAL_TEXT.get(act, "")}, status=403
    )
