"""Print the import graph between the apps under `folja/` and fail when the apps import in a cycle.

    .venv/bin/python tools/import_graph.py                    # graph, floors, cycles; exit 1 on a cycle
    .venv/bin/python tools/import_graph.py --ignore-deferred  # only imports run when a module loads
    .venv/bin/python tools/import_graph.py --exclude-demo --exclude-commands --json

Every `.py` file under the package (migrations left out) belongs to the app named by its first
folder, `folja.<app>`; an import of another app's module is an edge between the two apps, kept with
the importing file and line. An import inside a function body is marked "deferred": it runs later,
but it is still a dependency, so it counts unless `--ignore-deferred` is given. Test modules
(`*/tests/*`, `conftest.py`, the `folja/testing/` cast) are left out unless `--include-tests`: a test
may import anything. Management commands and demo modules (a module or folder named `demo` or
`demo_*`) count by default; `--exclude-commands` and `--exclude-demo` leave them out, `--exclude
GLOB` any other file. `--assign GLOB=APP` counts files as another app's, to try a move before
making it; `--with-config` adds `config/` as an app of its own. Only import statements are read
(the standard library's `ast`, no Django): string references such as `include("folja.x.urls")` or
`ForeignKey("directory.Person")` are not.

The floors expected, from the ground up: `core` (dates, database helpers, cache: nothing about
people); then the directory and the relationships (who someone is, who is connected to whom: the
access base with the session's role, and the models it reads); then the domain apps (learning log,
media, talks, curriculum, notifications, SIS), each with the access rules for its own objects on
that base; then the pages and the demo world, which may import everything below (docs/architecture.md).
The tool enforces none of this: it prints the floors the imports make (each app one floor
above the highest app it imports; the apps of a cycle share one) and fails only on a cycle, a
strongly connected set of two or more apps, printing for it a chain of imports (file:line) through
every edge, so that it is clear what to move.

Exit status: 0 without a cycle, 1 with one, 2 when a file cannot be read or parsed.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import itertools
import json
import sys
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "folja"
SKIPPED_DIRS = {"migrations", "__pycache__"}


@dataclass(frozen=True)
class Site:
    """One import statement in one file that makes an edge between two apps."""

    file: str  # path relative to the root, with forward slashes
    line: int
    module: str  # the importing module
    target: str  # the imported module (or package member)
    deferred: bool  # inside a function body
    kinds: tuple[str, ...] = ()  # "test", "command", "demo" for the importing file


@dataclass
class Graph:
    package: str
    files: int = 0
    apps: set[str] = field(default_factory=set)
    # (importing app, imported app) -> the statements, in file and line order
    edges: dict[tuple[str, str], list[Site]] = field(default_factory=lambda: defaultdict(list))

    def targets(self, app: str) -> list[str]:
        return sorted(dst for (src, dst) in self.edges if src == app)


class ParseFailure(Exception):
    pass


# --- reading the files ---------------------------------------------------------------------------


def file_kinds(parts: tuple[str, ...]) -> tuple[str, ...]:
    """What a file is besides application code, from its path parts below the package."""
    kinds = []
    stem_parts = (*parts[:-1], parts[-1].removesuffix(".py"))
    if "tests" in parts[:-1] or parts[0] == "testing" or parts[-1] == "conftest.py":
        kinds.append("test")
    if any(a == "management" and b == "commands" for a, b in itertools.pairwise(parts)):
        kinds.append("command")
    if any(part == "demo" or part.startswith("demo_") for part in stem_parts):
        kinds.append("demo")
    return tuple(kinds)


def module_name(package: str, parts: tuple[str, ...]) -> tuple[str, bool]:
    """The dotted module name of a file and whether it is a package's `__init__`."""
    names = [package, *parts[:-1]]
    is_init = parts[-1] == "__init__.py"
    if not is_init:
        names.append(parts[-1].removesuffix(".py"))
    return ".".join(names), is_init


def app_of(package: str, module: str) -> str | None:
    """`folja.<app>.…` -> `<app>`; `folja` itself -> `folja`; anything else -> None."""
    names = module.split(".")
    if names[0] != package:
        return None
    return names[1] if len(names) > 1 else package


class _ImportVisitor(ast.NodeVisitor):
    def __init__(self) -> None:
        self.depth = 0  # function bodies around the current node
        self.found: list[tuple[ast.Import | ast.ImportFrom, bool]] = []

    def _function(self, node: ast.AST) -> None:
        # Decorators and default values run when the module loads; the body does not.
        for outer in (
            *getattr(node, "decorator_list", ()),
            getattr(node, "args", None),
            getattr(node, "returns", None),
        ):
            if outer is not None:
                self.visit(outer)
        self.depth += 1
        for statement in node.body:  # type: ignore[attr-defined]
            self.visit(statement)
        self.depth -= 1

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_Import(self, node: ast.Import) -> None:
        self.found.append((node, self.depth > 0))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self.found.append((node, self.depth > 0))


def imported_modules(node: ast.Import | ast.ImportFrom, module: str, is_init: bool, known: set[str]) -> Iterator[str]:
    """The modules one statement imports, relative imports resolved against `module`."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name
        return
    base = node.module or ""
    if node.level:
        package_names = module.split(".") if is_init else module.split(".")[:-1]
        if node.level > 1:
            package_names = package_names[: -(node.level - 1)]
        base = ".".join(filter(None, [*package_names, base]))
    for alias in node.names:
        # `from folja import access` imports the module folja.access; `from folja.x.y import name`
        # imports folja.x.y, or its submodule `name` when there is one.
        candidate = f"{base}.{alias.name}"
        yield candidate if candidate in known or "." not in base else base


def iter_files(root: Path, package: str, *, with_config: bool) -> Iterator[tuple[Path, str, tuple[str, ...]]]:
    """(path, top package, parts below it) for every Python file read, migrations left out."""
    tops = [package] + (["config"] if with_config else [])
    for top in tops:
        base = root / top
        if not base.is_dir():
            if top == package:
                raise ParseFailure(f"no package folder {base}")
            continue
        for path in sorted(base.rglob("*.py")):
            parts = path.relative_to(base).parts
            if SKIPPED_DIRS.intersection(parts[:-1]):
                continue
            yield path, top, parts


def build_graph(
    root: Path,
    package: str = PACKAGE,
    *,
    include_tests: bool = False,
    ignore_deferred: bool = False,
    exclude_demo: bool = False,
    exclude_commands: bool = False,
    exclude: Iterable[str] = (),
    assign: Iterable[tuple[str, str]] = (),
    with_config: bool = False,
) -> Graph:
    """Read the files and collect the edges; `assign` counts the files a glob matches as another app."""
    graph = Graph(package=package)
    patterns = list(exclude)
    moves = list(assign)
    files = []
    # Every module's node, those left out too (an import of them still points somewhere).
    node_of_module: dict[str, str] = {}
    for path, top, parts in iter_files(root, package, with_config=with_config):
        relative = path.relative_to(root).as_posix()
        module, is_init = module_name(top, parts)
        moved = next((app for glob, app in moves if fnmatch.fnmatch(relative, glob)), None)
        node_of_module[module] = moved or ("config" if top == "config" else app_of(package, module) or package)
        kinds = file_kinds(parts) if top == package else ()
        if ("test" in kinds and not include_tests) or ("demo" in kinds and exclude_demo):
            continue
        if ("command" in kinds and exclude_commands) or any(fnmatch.fnmatch(relative, p) for p in patterns):
            continue
        files.append((path, relative, module, is_init, kinds))
    known = set(node_of_module)

    def node_of(module: str) -> str | None:
        names = module.split(".")
        for end in range(len(names), 0, -1):  # the module itself, else the package it is in
            node = node_of_module.get(".".join(names[:end]))
            if node is not None:
                return node
        return None

    for path, relative, module, is_init, kinds in files:
        graph.files += 1
        source_app = node_of_module[module]
        if module != package:  # the package's own __init__ is a node only when it imports an app
            graph.apps.add(source_app)
        try:
            tree = ast.parse(path.read_bytes(), filename=relative)
        except (OSError, SyntaxError, ValueError) as error:
            raise ParseFailure(f"{relative}: {error}") from error
        visitor = _ImportVisitor()
        visitor.visit(tree)
        for node, deferred in visitor.found:
            if deferred and ignore_deferred:
                continue
            seen = set()
            for target in imported_modules(node, module, is_init, known):
                target_app = node_of(target)
                if target_app is None or target_app == source_app:
                    continue
                if target_app in seen:  # one statement, one count per edge
                    continue
                seen.add(target_app)
                graph.apps.update((source_app, target_app))
                site = Site(relative, node.lineno, module, target, deferred, kinds)
                graph.edges[(source_app, target_app)].append(site)
    for sites in graph.edges.values():
        sites.sort(key=lambda site: (site.file, site.line))
    return graph


# --- the graph: components, floors, chains -------------------------------------------------------


def strongly_connected(apps: Iterable[str], edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Tarjan's components, each sorted; the list in reverse topological order (sinks first)."""
    successors: dict[str, list[str]] = defaultdict(list)
    for src, dst in edges:
        successors[src].append(dst)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(app: str) -> None:
        index[app] = low[app] = len(index)
        stack.append(app)
        on_stack.add(app)
        for nxt in sorted(successors[app]):
            if nxt not in index:
                visit(nxt)
                low[app] = min(low[app], low[nxt])
            elif nxt in on_stack:
                low[app] = min(low[app], index[nxt])
        if low[app] == index[app]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == app:
                    break
            components.append(sorted(component))

    for app in sorted(apps):
        if app not in index:
            visit(app)
    return components


def floors(graph: Graph, components: list[list[str]]) -> list[list[str]]:
    """Apps by floor: 0 imports no other app, n imports something on n-1; a cycle shares one floor."""
    component_of = {app: i for i, members in enumerate(components) for app in members}
    level: dict[int, int] = {}
    for i, members in enumerate(components):  # sinks first, so every import below is known
        below = {component_of[dst] for app in members for dst in graph.targets(app)} - {i}
        level[i] = 1 + max((level[j] for j in below), default=-1)
    result: list[list[str]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for i, members in enumerate(components):
        result[level[i]].extend(members)
    return [sorted(apps) for apps in result]


def representative(sites: list[Site]) -> Site:
    """The site to show for an edge: a module-level import before a deferred one, then the first."""
    return min(sites, key=lambda site: (site.deferred, site.file, site.line))


def shortest_path(start: str, goal: str, members: set[str], graph: Graph) -> list[str]:
    previous: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        app = queue.popleft()
        if app == goal:
            break
        for nxt in graph.targets(app):
            if nxt in members and nxt not in previous:
                previous[nxt] = app
                queue.append(nxt)
    path = [goal]
    while previous[path[-1]] is not None:
        path.append(previous[path[-1]])  # type: ignore[arg-type]
    return path[::-1]


def cycle_chains(members: list[str], graph: Graph) -> list[list[str]]:
    """Elementary cycles that together pass every edge inside the component, shortest first."""
    inside = set(members)
    edges = sorted(
        ((src, dst) for (src, dst) in graph.edges if src in inside and dst in inside),
        key=lambda edge: (len(graph.edges[edge]), edge),
    )
    covered: set[tuple[str, str]] = set()
    chains: list[list[str]] = []
    for src, dst in edges:
        if (src, dst) in covered:
            continue
        chain = [src, *shortest_path(dst, src, inside, graph)]
        covered.update(itertools.pairwise(chain))
        chains.append(chain)
    return sorted(chains, key=lambda chain: (len(chain), chain))


def analyse(graph: Graph) -> dict:
    components = strongly_connected(graph.apps, graph.edges)
    cycles = []
    for members in sorted((c for c in components if len(c) > 1), key=lambda c: (-len(c), c)):
        inside = set(members)
        edges = sorted(
            ((src, dst) for (src, dst) in graph.edges if src in inside and dst in inside),
            key=lambda edge: (len(graph.edges[edge]), edge),
        )
        chains = []
        for chain in cycle_chains(members, graph):
            steps = []
            for src, dst in itertools.pairwise(chain):
                site = representative(graph.edges[(src, dst)])
                steps.append({"from": src, "to": dst, **asdict(site)})
            chains.append(steps)
        cycles.append(
            {
                "apps": members,
                "chains": chains,
                "edges": [
                    {"from": src, "to": dst, "sites": [asdict(site) for site in graph.edges[(src, dst)]]}
                    for src, dst in edges
                ],
            }
        )
    return {"components": components, "floors": floors(graph, components), "cycles": cycles}


# --- output --------------------------------------------------------------------------------------


def _count(sites: list[Site]) -> str:
    deferred = sum(site.deferred for site in sites)
    return f"{len(sites)}" + (f" ({deferred} deferred)" if deferred else "")


def _site_list(sites: list[Site]) -> str:
    """`file:3,17d,40` per file (d: deferred), files in order, kinds of file in brackets."""
    by_file: dict[str, list[Site]] = defaultdict(list)
    for site in sites:
        by_file[site.file].append(site)
    parts = []
    for file, here in by_file.items():
        lines = ",".join(f"{site.line}{'d' if site.deferred else ''}" for site in here)
        kinds = f" [{','.join(here[0].kinds)}]" if here[0].kinds else ""
        parts.append(f"{file}:{lines}{kinds}")
    return "; ".join(parts)


def render_text(graph: Graph, analysis: dict) -> str:
    out = []
    total = [site for sites in graph.edges.values() for site in sites]
    out.append(
        f"Import graph of {graph.package}/: {len(graph.apps)} apps, {graph.files} files, "
        f"{len(total)} import statements between apps ({sum(s.deferred for s in total)} deferred: "
        "inside a function)"
    )
    out.append("")
    width = max((len(app) for app in graph.apps), default=0)
    for app in sorted(graph.apps):
        targets = graph.targets(app)
        listed = ", ".join(f"{dst} {_count(graph.edges[(app, dst)])}" for dst in targets) or "(no other app)"
        out.append(f"  {app:<{width}} → {listed}")
    out.append("")
    out.append("Floors as the imports make them (ground first; the apps of a cycle share a floor):")
    for number, apps in enumerate(analysis["floors"]):
        out.append(f"  {number}: {', '.join(apps)}")
    out.append("")
    if not analysis["cycles"]:
        out.append("No cycle between apps.")
        return "\n".join(out)
    out.append(f"{len(analysis['cycles'])} cycle(s) between apps (d: an import inside a function):")
    for number, cycle in enumerate(analysis["cycles"], 1):
        out.append("")
        out.append(f"Cycle {number}: {', '.join(cycle['apps'])}")
        for chain in cycle["chains"]:
            out.append("  " + " → ".join([chain[0]["from"]] + [step["to"] for step in chain]))
            for step in chain:
                deferred = " (deferred)" if step["deferred"] else ""
                kinds = f" [{','.join(step['kinds'])}]" if step["kinds"] else ""
                arrow = f"{step['from']} → {step['to']}"
                out.append(
                    f"    {arrow:<{2 * width + 3}}  {step['file']}:{step['line']}  {step['target']}{deferred}{kinds}"
                )
        out.append("  every import on an edge of the cycle (fewest first):")
        for edge in cycle["edges"]:
            sites = [Site(**{**site, "kinds": tuple(site["kinds"])}) for site in edge["sites"]]
            out.append(f"    {edge['from']} → {edge['to']} {_count(sites)}: {_site_list(sites)}")
    return "\n".join(out)


def render_json(graph: Graph, analysis: dict) -> str:
    document = {
        "package": graph.package,
        "files": graph.files,
        "apps": {
            app: {
                "imports": {
                    dst: {
                        "count": len(graph.edges[(app, dst)]),
                        "deferred": sum(site.deferred for site in graph.edges[(app, dst)]),
                        "sites": [asdict(site) for site in graph.edges[(app, dst)]],
                    }
                    for dst in graph.targets(app)
                }
            }
            for app in sorted(graph.apps)
        },
        "floors": analysis["floors"],
        "cycles": analysis["cycles"],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="project folder holding the package (default: this repo)"
    )
    parser.add_argument("--package", default=PACKAGE, help=f"package whose apps are the nodes (default: {PACKAGE})")
    parser.add_argument("--include-tests", action="store_true", help="also read */tests/*, conftest.py, <pkg>/testing/")
    parser.add_argument("--ignore-deferred", action="store_true", help="count only imports run when a module loads")
    parser.add_argument("--exclude-demo", action="store_true", help="leave out modules and folders named demo*")
    parser.add_argument("--exclude-commands", action="store_true", help="leave out management/commands/")
    parser.add_argument(
        "--exclude", action="append", default=[], metavar="GLOB", help="leave out files (root-relative)"
    )
    parser.add_argument(
        "--assign",
        action="append",
        default=[],
        metavar="GLOB=APP",
        help="count the files GLOB matches as app APP, to try a move before making it",
    )
    parser.add_argument("--with-config", action="store_true", help="read config/ too, as an app of its own")
    parser.add_argument("--json", action="store_true", help="print the graph and the cycles as JSON")
    args = parser.parse_args(argv)
    assign = []
    for item in args.assign:
        glob, sep, app = item.rpartition("=")
        if not sep or not glob or not app:
            parser.error(f"--assign wants GLOB=APP, not {item!r}")
        assign.append((glob, app))
    try:
        graph = build_graph(
            args.root.resolve(),
            args.package,
            include_tests=args.include_tests,
            ignore_deferred=args.ignore_deferred,
            exclude_demo=args.exclude_demo,
            exclude_commands=args.exclude_commands,
            exclude=args.exclude,
            assign=assign,
            with_config=args.with_config,
        )
    except ParseFailure as error:
        sys.stderr.write(f"import_graph: {error}\n")
        return 2
    analysis = analyse(graph)
    sys.stdout.write((render_json(graph, analysis) if args.json else render_text(graph, analysis)) + "\n")
    return 1 if analysis["cycles"] else 0


if __name__ == "__main__":
    sys.exit(main())
