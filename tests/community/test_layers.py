"""The apps depend one way: community (the base) <- members <- forums <- library and polls (side
by side, neither importing the other) <- search (the site search) <- metrics, and demo on top of
them all. A lower layer importing a higher one, even inside a function, brings the cycle back;
these tests read every module's imports with `ast` (nothing is imported, so a lazy import cannot
hide) and name each one that points the wrong way."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Only these two modules in community/ compose every app: the root URLconf and the home page.
COMPOSERS = {ROOT / "community" / "urls.py", ROOT / "community" / "home.py"}

LAYERS = {
    "community": {"members", "forums", "library", "polls", "search", "metrics", "demo"},
    "members": {"forums", "library", "polls", "search", "metrics", "demo"},
    "forums": {"library", "polls", "search", "metrics", "demo"},
    "library": {"polls", "search", "metrics", "demo"},
    "polls": {"library", "search", "metrics", "demo"},
    "search": {"metrics", "demo"},
    "metrics": {"demo"},
}


def imported_modules(source: str) -> list[tuple[int, str]]:
    """(line, dotted name) of every absolute import in `source`, wherever it stands (module
    level, inside a function, under `if TYPE_CHECKING`), and of every
    `importlib.import_module("...")` with a literal name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def app_modules(app: str) -> list[Path]:
    return sorted(
        path
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts and path not in COMPOSERS
    )


def wrong_way_imports(app: str) -> list[str]:
    forbidden = LAYERS[app]
    return [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in app_modules(app)
        for line, name in imported_modules(path.read_text())
        if name.split(".")[0] in forbidden
    ]


@pytest.mark.parametrize("app", sorted(LAYERS))
def test_no_app_imports_a_layer_above_it(app):
    assert len(app_modules(app)) > 1  # the walk found the app's modules
    assert wrong_way_imports(app) == []


def test_only_the_urlconf_and_the_home_page_compose_the_apps_from_community():
    # They are the exceptions above, so they must exist where the rule expects them.
    assert all(path.is_file() for path in COMPOSERS)
    urlconf = {name for _, name in imported_modules((ROOT / "community/urls.py").read_text())}
    assert "forums.views" in urlconf  # the e-mail preference pages stay at their addresses


def test_the_check_sees_imports_hidden_in_functions_and_import_module():
    source = """
import community.models
from forums.models import Post

def later():
    from forums.services.notify import post_created
    import metrics.models
    return importlib.import_module("demo.members")

from . import sibling
"""
    names = {name for _, name in imported_modules(source)}
    assert names == {
        "community.models",
        "forums.models",
        "forums.services.notify",
        "metrics.models",
        "demo.members",
    }
