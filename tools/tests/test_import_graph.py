"""tools/import_graph.py on tiny package trees written to a temporary folder (no Django involved)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "import_graph.py"
_spec = importlib.util.spec_from_file_location("import_graph", SCRIPT)
assert _spec is not None and _spec.loader is not None
import_graph = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("import_graph", import_graph)  # dataclasses look the module up
_spec.loader.exec_module(import_graph)


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write `files` (path below root: source) and an empty __init__.py in every package folder."""
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")
    for folder in {path.parent for path in root.rglob("*.py")}:
        init = folder / "__init__.py"
        if not init.exists():
            init.write_text("", encoding="utf-8")
    return root


def run(root: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = import_graph.main(["--root", str(root), "--package", "fake", *args])
    return code, capsys.readouterr().out


# core at the ground, directory on it, pages on top: no cycle.
LAYERED = {
    "fake/core/dates.py": "import datetime\n",
    "fake/directory/models.py": "from fake.core.dates import datetime\n",
    "fake/pages/views.py": """
        from fake.core import dates
        from fake.directory.models import datetime


        def page():
            from fake.directory import models

            return models
        """,
    "fake/directory/migrations/0001_initial.py": "from fake.pages import views\n",  # migrations are skipped
}

# core/views.py:3 imports access at load time, access/policy.py:1 imports core.
CYCLE = {
    "fake/core/dates.py": "",
    "fake/core/views.py": "import json\n\nfrom fake.access import policy\n",
    "fake/access/policy.py": "from fake.core.dates import today\n",
    "fake/directory/models.py": "from fake.core import dates\n",
}


def test_layered_tree_has_no_cycle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(write_tree(tmp_path, LAYERED), capsys=capsys)
    assert code == 0
    assert "No cycle between apps." in out
    assert "pages     → core 1, directory 2 (1 deferred)" in out
    assert "directory → core 1" in out
    assert "core      → (no other app)" in out
    # Floors follow from the imports: nothing is hard-coded.
    assert "  0: core\n  1: directory\n  2: pages" in out


def test_cycle_fails_and_names_each_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(write_tree(tmp_path, CYCLE), capsys=capsys)
    assert code == 1
    assert "Cycle 1: access, core" in out
    assert "  access → core → access" in out
    assert "access/policy.py:1  fake.core.dates" in out
    assert "core/views.py:3  fake.access.policy" in out
    # directory is not in the cycle: it only imports core.
    assert "Cycle 1: access, core\n" in out
    assert "directory" not in out.split("Cycle 1:")[1]


def test_three_app_cycle_prints_one_chain_through_every_edge(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {
        "fake/a/x.py": "from fake.b import y\n",
        "fake/b/y.py": "import os\nfrom fake.c.z import thing\n",
        "fake/c/z.py": "thing = 1\n\n\ndef later():\n    import fake.a.x\n",
    }
    code, out = run(write_tree(tmp_path, files), capsys=capsys)
    assert code == 1
    assert "Cycle 1: a, b, c" in out
    assert "  a → b → c → a" in out
    assert "a/x.py:1  fake.b.y" in out
    assert "b/y.py:2  fake.c.z" in out
    assert "c/z.py:5  fake.a.x (deferred)" in out
    assert "c → a 1 (1 deferred): fake/c/z.py:5d" in out


def test_a_deferred_import_counts_unless_ignored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {
        "fake/core/views.py": "def home():\n    from fake.access.policy import rule\n    return rule\n",
        "fake/access/policy.py": "from fake.core import views\n\nrule = views\n",
    }
    root = write_tree(tmp_path, files)
    code, out = run(root, capsys=capsys)
    assert code == 1
    assert "core/views.py:2  fake.access.policy (deferred)" in out
    code, out = run(root, "--ignore-deferred", capsys=capsys)
    assert code == 0
    assert "core   → (no other app)" in out


def test_relative_imports_and_package_members(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {
        "fake/core/__init__.py": "from .. import access\n",  # fake.access
        "fake/core/sub/deep.py": "from ...directory import models\nfrom ..dates import today\n",
        "fake/core/dates.py": "today = None\n",
        "fake/access/rules.py": "from . import other\nfrom fake import core\n",
        "fake/access/other.py": "",
        "fake/directory/models.py": "",
    }
    code, out = run(write_tree(tmp_path, files), capsys=capsys)
    assert code == 1
    assert "core      → access 1, directory 1" in out
    assert "access    → core 1" in out
    assert "core/__init__.py:1  fake.access" in out


def test_tests_are_left_out_unless_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {
        "fake/core/dates.py": "",
        "fake/core/tests/test_dates.py": "from fake.access import policy\n",
        "fake/testing/cast.py": "from fake.access import policy\nfrom fake.core import dates\n",
        "fake/access/policy.py": "from fake.core import dates\n",
        "fake/access/conftest.py": "from fake.testing import cast\n",
    }
    root = write_tree(tmp_path, files)
    code, out = run(root, capsys=capsys)
    assert code == 0
    assert "testing" not in out
    code, out = run(root, "--include-tests", capsys=capsys)
    assert code == 1
    assert "Cycle 1: access, core, testing" in out
    assert "[test]" in out


def test_demo_and_commands_count_by_default_and_can_be_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {
        "fake/directory/models.py": "",
        "fake/directory/demo/builder.py": "from fake.talks.demo import build\n",
        "fake/talks/demo.py": "from fake.directory import models\n\nbuild = models\n",
        "fake/talks/models.py": "from fake.directory.models import *  # noqa: F403\n",
        "fake/talks/management/commands/seed.py": "from fake.directory.demo import builder\n",
    }
    root = write_tree(tmp_path, files)
    code, out = run(root, capsys=capsys)
    assert code == 1
    assert "fake/directory/demo/builder.py:1  fake.talks.demo [demo]" in out
    assert run(root, "--exclude-demo", capsys=capsys)[0] == 0
    assert run(root, "--exclude", "fake/directory/demo/*", capsys=capsys)[0] == 0
    # Moving the demo builders into an app of their own, above the others, removes the cycle.
    code, out = run(root, "--assign", "fake/*/demo.py=demo", "--assign", "fake/*/demo/*=demo", capsys=capsys)
    assert code == 0
    assert "demo      → directory 1\n" in out
    # The command still imports the builder, now upwards: no cycle, but it shows.
    assert "talks     → demo 1, directory 1\n" in out


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(write_tree(tmp_path, CYCLE), "--json", capsys=capsys)
    assert code == 1
    document = json.loads(out)
    assert document["apps"]["core"]["imports"]["access"]["count"] == 1
    assert document["apps"]["access"]["imports"]["core"]["sites"][0]["file"] == "fake/access/policy.py"
    (cycle,) = document["cycles"]
    assert cycle["apps"] == ["access", "core"]
    (chain,) = cycle["chains"]
    assert [(step["from"], step["to"], step["file"], step["line"]) for step in chain] == [
        ("access", "core", "fake/access/policy.py", 1),
        ("core", "access", "fake/core/views.py", 3),
    ]


def test_a_file_that_does_not_parse_stops_the_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_tree(tmp_path, {"fake/core/broken.py": "def (:\n"})
    assert import_graph.main(["--root", str(root), "--package", "fake"]) == 2
    assert "fake/core/broken.py" in capsys.readouterr().err


def test_script_exit_status(tmp_path: Path) -> None:
    """As `make lint` runs it: a separate process, exit status 1 on a cycle, 0 without."""
    cyclic = write_tree(tmp_path / "cyclic", CYCLE)
    layered = write_tree(tmp_path / "layered", LAYERED)
    for root, status in ((cyclic, 1), (layered, 0)):
        done = subprocess.run(
            [sys.executable, str(SCRIPT), "--root", str(root), "--package", "fake"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == status, done.stdout + done.stderr


def test_the_project_tree_is_read_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    # No timing here: speed belongs in benchmarks, and a busy machine made a timed assertion flaky.
    code = import_graph.main(["--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0  # the project's own tree has no cycle
    assert {"core", "directory", "access"} <= set(document["apps"])
