"""The access layer is the only gate: views, APIs and templates never query protected models.

The layer is `folja/access/` (the shared base) and each domain's `access.py` (learning log, media,
talks) with `learninglog/coverage.py`; the front doors scanned here are every app's views (the
pages app's too), serving modules, APIs and template tags.
"""

from __future__ import annotations

import re
from pathlib import Path

FOLJA = Path(__file__).resolve().parents[2]

# Models that hold child data or relationships to children.
PROTECTED = (
    "Post|PostChild|PostGoal|PostVersion|Comment|Media|Rendition|Upload\\w*|Autosave|PhotoConsent|Person|Placement|Guardianship|"
    "GroupMembership|Duty|DutyAssignment|Email|Phone|Address|Talk\\w*|Booking\\w*|Slot\\w*|Preparation\\w*|"
    "Agreement\\w*|TransitionConsent\\w*|TermsAcceptance\\w*|AuditRecord|Export|Notice|PushSubscription|MachineTranslation"
)
DIRECT_QUERY = re.compile(rf"\b({PROTECTED})\.(objects|_default_manager|_base_manager)\b")
RAW_SQL = re.compile(r"\.raw\(|connection\.cursor\(")


def front_door_modules() -> list[Path]:
    """Return the modules that answer requests: views, API endpoints, serving code, template tags."""
    patterns = [
        "**/views.py",
        "**/*_views.py",
        "**/views/*.py",
        "**/api/**/*.py",
        "**/serving.py",
        "**/templatetags/*.py",
    ]
    found: set[Path] = set()
    for pattern in patterns:
        found.update(p for p in FOLJA.glob(pattern) if "/tests/" not in str(p) and "/access/" not in str(p))
    return sorted(found)


def test_there_are_front_door_modules_to_check() -> None:
    names = {p.relative_to(FOLJA).as_posix() for p in front_door_modules()}
    assert "pages/learninglog/views.py" in names and "media/views.py" in names
    assert "pages/learninglog/compose_views.py" in names
    assert "talks/views.py" in names and "pages/start/views.py" in names
    # The JSON API (issue 30): every endpoint module is a front door.
    assert {"api/posts.py", "api/staff.py", "api/uploads.py", "api/talks.py", "api/family.py", "api/auth.py"} <= names


def test_no_view_or_endpoint_queries_a_protected_model_directly() -> None:
    offenders = []
    for path in front_door_modules():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if DIRECT_QUERY.search(line) or RAW_SQL.search(line):
                offenders.append(f"{path.relative_to(FOLJA)}:{number}: {line.strip()}")
    assert offenders == [], "query through folja.access instead:\n" + "\n".join(offenders)


def test_no_template_reaches_a_manager() -> None:
    offenders = [
        str(p.relative_to(FOLJA))
        for p in (FOLJA / "templates").rglob("*.html")
        if re.search(r"\.objects\b", p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_check_catches_a_direct_query() -> None:
    assert DIRECT_QUERY.search("posts = Post.objects.filter(author=me)")
    assert DIRECT_QUERY.search("x = Person._default_manager.all()")
    assert not DIRECT_QUERY.search("posts = post_policy.visible_posts(viewer)")
