"""The apps' direction (docs/architecture.md): ``practice`` may import ``communities``, never the reverse.

Read from the source (every import statement, at any depth, including those inside functions), so an
import that only runs on some path still fails the suite.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every module the file imports; relative imports resolved against its package."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def _offences(app: str, forbidden: str) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / app).rglob("*.py"))
        for line, module in _imports(path)
        if module == forbidden or module.startswith(forbidden + ".")
    ]


def test_communities_never_imports_practice():
    assert _offences("communities", "practice") == []


def test_the_check_sees_every_kind_of_import(tmp_path, monkeypatch):
    # The guard itself must be able to fail: a module importing practice in each way is caught.
    app = tmp_path / "communities" / "views"
    app.mkdir(parents=True)
    (app / "bad.py").write_text(
        "import practice.models\n"
        "from practice import services\n"
        "def later():\n"
        "    from practice.selectors import requests\n"
        "from .. import practice_like\n"  # communities.practice_like: allowed
    )
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert [o.split(" imports ")[1] for o in _offences("communities", "practice")] == [
        "practice.models",
        "practice",
        "practice.services",
        "practice.selectors",
        "practice.selectors.requests",
    ]
