"""Show that the random worlds catch each cause of the R8 findings F1–F4, reintroduced on purpose.

For each sabotage below, copies the working tree's code to a temporary folder, puts the old,
wrong code back in one place, runs `folja/access/tests/test_random_worlds.py` there and reports
whether it failed (it must). Nothing in the working tree changes.

    .venv/bin/python tools/r8_sabotage.py               # every sabotage, 300 worlds each
    .venv/bin/python tools/r8_sabotage.py f2 --examples 300

A sabotage whose code no longer matches says so: update its text when the policy changes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST = "folja/access/tests/test_random_worlds.py"

# name: (finding, what the old code did, file, the right code, the wrong code)
SABOTAGES: dict[str, tuple[str, str, str, str, str]] = {
    "f1-timeline": (
        "F1",
        "a child's timeline holds every post the staff member sees that names the child",
        "folja/learninglog/access.py",
        """    through_child = PostChild.objects.filter(post=OuterRef("pk"), child=child_id).filter(_staff_named(connections))
    return _staff_post_state(None) & Q(Exists(through_child))""",
        """    return _staff_rules(connections, None) & Q(Exists(PostChild.objects.filter(post=OuterRef("pk"), child=child_id)))""",
    ),
    "f1-names": (
        "F1",
        "staff see every connected child named on a post they read",
        "folja/learninglog/access.py",
        """        return Q(child__sealed_at__isnull=True) & _staff_named(values)  # R5, R1, R8""",
        """        return Q(child__sealed_at__isnull=True, child__in=values.child_ids)""",
    ),
    "f1-comments": (
        "F1",
        "staff read the family threads of every connected child",
        "folja/learninglog/access.py",
        """        on_post = PostChild.objects.filter(post=OuterRef("post"))
        # A named child through whom""",
        """        return Q(family_child__isnull=True) | Q(family_child__in=values.child_ids)
        on_post = PostChild.objects.filter(post=OuterRef("post"))
        # A named child through whom""",
    ),
    "f1-hidden": (
        "F1",
        "a receiving unit reads hidden comments",
        "folja/learninglog/access.py",
        """(Q(not_hidden) & _staff_r8_named(values))""",
        """_staff_r8_named(values)""",
    ),
    "f2": (
        "F2",
        "staff who may read a post may edit and delete it",
        "folja/learninglog/access.py",
        """    return Post.objects.filter(pk=post.pk).filter(_staff_post_state(viewer.person.pk), Exists(at_own_unit)).exists()""",
        """    return visible_posts(viewer, on, include_drafts=True).filter(pk=post.pk).exists()""",
    ),
    "f3-hide": (
        "F3",
        "hiding a comment checks only that the post is visible",
        "folja/learninglog/actions.py",
        """    if not post_policy.may_edit_post(actor, post):
        raise PermissionDenied  # R8: only staff of the post's own unit moderate it
""",
        "",
    ),
    "f3-comment": (
        "F3",
        "staff comment on every post they may read",
        "folja/learninglog/actions.py",
        """        if not post_policy.may_edit_post(actor, post):
            raise PermissionDenied  # R8: what a receiving unit reads is read-only there
""",
        "",
    ),
    "f4-children": (
        "F4",
        "a staff read is recorded for every child the post names",
        "folja/learninglog/access.py",
        """    return PostChild.objects.filter(post=post).filter(named_visible_filter(scope)).values_list("child_id", flat=True)""",
        """    return PostChild.objects.filter(post=post).values_list("child_id", flat=True)""",
    ),
    "f4-unit": (
        "F4",
        "a staff read is recorded under the post's unit",
        "folja/access/policy.py",
        """        unit = post_unit_id if post_unit_id in connected else min(connected, default=None)""",
        """        unit = post_unit_id""",
    ),
}


def run(name: str, examples: int) -> tuple[bool, str]:
    """Return (the random worlds failed, a one-line summary) for one sabotage."""
    finding, what, path, right, wrong = SABOTAGES[name]
    with tempfile.TemporaryDirectory(prefix=f"sabotage-{name}-") as tmp:
        copy = Path(tmp)
        for item in ("folja", "config", "conftest.py", "pyproject.toml", "manage.py"):
            source = ROOT / item
            if source.is_dir():
                shutil.copytree(source, copy / item, ignore=shutil.ignore_patterns("__pycache__", ".hypothesis"))
            else:
                shutil.copy2(source, copy / item)
        target = copy / path
        text = target.read_text()
        if text.count(right) != 1:
            return False, f"{name}: the code to sabotage is not in {path} any more (update tools/r8_sabotage.py)"
        target.write_text(text.replace(right, wrong))
        env = {
            **os.environ,
            "FOLJA_HYPOTHESIS_EXAMPLES": str(examples),
            "FOLJA_HYPOTHESIS_NO_SHRINK": "1",  # report the first failing world as it was found
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        env.pop("DATABASE_URL", None)
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", TEST],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.monotonic() - started
        failure = next((line.strip() for line in result.stdout.splitlines() if line.startswith("E   ")), "")
        verdict = "caught" if result.returncode != 0 else "NOT CAUGHT"
        return result.returncode != 0, f"{name} ({finding}: {what}): {verdict} in {seconds:.0f} s  {failure[:160]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="sabotages to run (a prefix selects several); all by default")
    parser.add_argument("--examples", type=int, default=300, help="random worlds per run (default 300)")
    args = parser.parse_args()
    names = [n for n in SABOTAGES if not args.names or any(n.startswith(p) for p in args.names)]
    caught = 0
    for name in names:
        ok, line = run(name, args.examples)
        caught += ok
        print(line, flush=True)
    print(f"{caught} of {len(names)} sabotages caught by the random worlds")
    return 0 if caught == len(names) else 1


if __name__ == "__main__":
    raise SystemExit(main())
