"""Import rules: dependencies between domains point one way.

Layers, bottom up: core ← organisations ← accounts ← roadmap ← projects ← (officials,
courses, forums, maturity, sharing). `officials` (the dashboard, council report and open
data, which combine roadmap and projects) is the one place allowed to import both.
A module may import its own domain, a lower layer, the foundation
(`change_portal.extensions`, `change_portal.config`) and, at the top layer, another
top-layer domain as long as no cycle forms. The composition root (`create_app`,
`app_setup`, `cli`) wires everything and is imported by nobody. Imports inside functions
count too: hiding one there does not make a dependency go away.

Exceptions are listed file by file below; the test fails on any new one, and also when
an exception disappears (update the list then).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {"core": 0, "organisations": 1, "accounts": 2, "roadmap": 3, "projects": 4,
          "officials": 5, "courses": 5, "forums": 5, "maturity": 5, "sharing": 5}
FOUNDATION = {"change_portal.extensions", "change_portal.config"}
ROOT_MODULES = {"change_portal", "change_portal.app_setup", "change_portal.cli"}

# (importing domain, imported domain) → files: the exceptions left. The two cycles of
# issue 12 §2 are gone (user administration in accounts.admin, the elected officials'
# views in officials).
KNOWN = {
    # a job run by the rq worker process builds the application it runs in
    ("core", "root"): {"change_portal/core/jobs.py"},
}


def _unit(module: str) -> str | None:
    """The domain (or 'foundation' / 'root') a dotted module name belongs to."""
    if module in FOUNDATION or any(module.startswith(f + ".") for f in FOUNDATION):
        return "foundation"
    if module in ROOT_MODULES or module.startswith("change_portal.cli."):
        return "root"
    parts = module.split(".")
    if parts[0] == "change_portal" and len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    if parts[0] in ("courses", "forums"):
        return parts[0]
    if parts[0] == "change_portal":
        return "root"  # translations and anything new at the top of the package
    return None


def _edges() -> dict[tuple[str, str], set[str]]:
    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    files = [*ROOT.glob("change_portal/**/*.py"), *ROOT.glob("courses/**/*.py"),
             *ROOT.glob("forums/**/*.py")]
    for path in files:
        rel = path.relative_to(ROOT)
        module = ".".join(rel.with_suffix("").parts).removesuffix(".__init__")
        source = _unit(module)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                target = _unit(name)
                if target and target != source:
                    edges[(source, target)].add(rel.as_posix())
    return edges


def _violations(edges) -> dict[tuple[str, str], set[str]]:
    bad = {}
    for (source, target), files in edges.items():
        if target == "foundation" or source == "root":
            continue
        if target == "root" or LAYERS.get(target, 99) > LAYERS.get(source, -1):
            bad[(source, target)] = files
    return bad


def test_no_domain_imports_a_layer_above_it_beyond_the_known_exceptions():
    bad = _violations(_edges())
    assert bad == KNOWN, "\n".join(
        f"{s} → {t}: {sorted(files ^ KNOWN.get((s, t), set()))}"
        for (s, t), files in sorted({**bad, **{k: set() for k in KNOWN if k not in bad}}.items())
        if files != KNOWN.get((s, t)))


def test_top_layer_domains_do_not_import_each_other_in_a_cycle():
    edges = _edges()
    top = [d for d, rank in LAYERS.items() if rank == 5]
    for a in top:
        for b in top:
            if a < b:
                assert not ((a, b) in edges and (b, a) in edges), (
                    f"{a} and {b} import each other: {edges[(a, b)]} / {edges[(b, a)]}")


def test_the_rule_sees_an_upward_import():
    """The checker itself: a made-up upward edge is reported."""
    assert _violations({("core", "forums"): {"change_portal/core/x.py"}}) == {
        ("core", "forums"): {"change_portal/core/x.py"}}
    assert _violations({("forums", "core"): {"forums/x.py"}}) == {}
    assert _unit("change_portal.extensions") == "foundation"
    assert _unit("change_portal.roadmap.views.manage") == "roadmap"
    assert _unit("change_portal.officials.views.dashboard") == "officials"
