"""The layers hold, read from the source with ``ast`` (issue 17).

Arrows point down only: the app imports the screens, the screens build on the kit in
``relaytui/ui`` and never import the app; services and models know nothing of Textual; a
service reaches another only through its public names; and no circle runs through the modules'
top-level imports (the ones that run when a module is first imported). Imports under
``if TYPE_CHECKING:`` never run, so the circle test leaves them out.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "relaytui"


# --- reading the modules -----------------------------------------------------------------------


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules(*folders: str) -> dict[str, Path]:
    """Module name -> file, for the package (or the given folders of it); migrations left out."""
    roots = [PACKAGE / folder for folder in folders] or [PACKAGE]
    found: dict[str, Path] = {}
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            if "migrations" not in path.relative_to(PACKAGE).parts:
                found[_module_name(path)] = path
    return found


ALL = _modules()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _statements(tree: ast.AST, *, top_level: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements of ``tree``; ``top_level``: only those that run on import (not in
    a function, not under ``if TYPE_CHECKING:``)."""
    if isinstance(tree, (ast.Import, ast.ImportFrom)):
        yield tree
        return
    if top_level and isinstance(tree, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        return
    if top_level and isinstance(tree, ast.If) and _is_type_checking(tree.test):
        for node in tree.orelse:
            yield from _statements(node, top_level=top_level)
        return
    for node in ast.iter_child_nodes(tree):
        yield from _statements(node, top_level=top_level)


def _absolute(module: str, path: Path, node: ast.ImportFrom) -> str:
    """The module a ``from ... import`` names, relative imports resolved."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def _imported(module: str, path: Path, *, top_level: bool) -> Iterator[tuple[str, str | None]]:
    """(module imported, name taken from it or None) for each import of ``module``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in _statements(tree, top_level=top_level):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None
        else:
            source = _absolute(module, path, node)
            for alias in node.names:
                yield source, alias.name


def _target(source: str, name: str | None) -> str:
    """The relaytui module an import runs: ``from relaytui.services import logs`` runs
    ``relaytui.services.logs``, ``from relaytui.db import Store`` runs ``relaytui.db``."""
    if name is not None and f"{source}.{name}" in ALL:
        return f"{source}.{name}"
    return source


def _names_module(source: str, name: str | None, wanted: str) -> bool:
    full = f"{source}.{name}" if name else source
    return source == wanted or source.startswith(wanted + ".") or full == wanted


# --- the tests ---------------------------------------------------------------------------------


def test_the_modules_are_found() -> None:
    assert len(ALL) > 50
    assert len(_modules("screens")) > 10 and _modules("ui") and _modules("services")


def test_no_screen_or_kit_imports_the_app() -> None:
    """The app imports the screens; a screen that imported the app back made the circle that
    issue 17 took apart. What a screen needs of the app is :class:`relaytui.ui.base.RelayHost`."""
    found = sorted(
        f"{module} imports {source}{'.' + name if name else ''}"
        for module, path in _modules("screens", "ui", "widgets").items()
        for source, name in _imported(module, path, top_level=False)
        if _names_module(source, name, "relaytui.app")
    )
    assert found == []


def test_no_service_or_model_imports_textual() -> None:
    """Services and models are plain Python: the CLI, the server and the tests use them without
    a terminal."""
    found = sorted(
        f"{module} imports {source}"
        for module, path in _modules("services", "models").items()
        for source, _name in _imported(module, path, top_level=False)
        if source == "textual" or source.startswith("textual.")
    )
    assert found == []


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _private_uses(module: str, path: Path) -> Iterator[str]:
    services = "relaytui.services"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases: dict[str, str] = {}  # local name -> another service module
    for source, name in _imported(module, path, top_level=False):
        target = _target(source, name)
        if not target.startswith(services + ".") or target == module:
            continue
        if name is not None and target == source and _private(name):
            yield f"{module} imports {source}.{name}"
    for node in _statements(tree, top_level=False):
        for alias in node.names:
            source = _absolute(module, path, node) if isinstance(node, ast.ImportFrom) else None
            target = _target(source, alias.name) if source is not None else alias.name
            if target.startswith(services + ".") and target != module:
                if isinstance(node, ast.ImportFrom):
                    aliases[alias.asname or alias.name] = target
                elif alias.asname:
                    aliases[alias.asname] = target
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and _private(node.attr)
        ):
            yield f"{module} uses {aliases[node.value.id]}.{node.attr} (line {node.lineno})"
        elif (
            isinstance(node, ast.Attribute)
            and _private(node.attr)
            and ast.unparse(node.value).startswith(services + ".")
            and ast.unparse(node.value) != module
        ):
            yield f"{module} uses {ast.unparse(node)} (line {node.lineno})"


def test_no_service_uses_another_services_private_names() -> None:
    """A service reaches another through its public names only, so that a private helper can
    change without a search through every service."""
    found = sorted(
        use for module, path in _modules("services").items() for use in _private_uses(module, path)
    )
    assert found == []


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in ALL}
    for module, path in ALL.items():
        for source, name in _imported(module, path, top_level=True):
            target = _target(source, name)
            if target in ALL and target != module:
                graph[module].add(target)
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def test_the_circle_finder_finds_a_circle() -> None:
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": set()}) == []


def test_no_circle_among_top_level_imports() -> None:
    """Counting the imports that run when a module is imported (not those in functions, not
    those under ``if TYPE_CHECKING:``), no module reaches itself again."""
    assert _circles(_graph()) == []


def test_the_server_preloads_modules_that_exist() -> None:
    """The spawner imports these once for every session; it skips a name that fails to import,
    so a module moved away would silently be loaded again in every session."""
    import importlib.util

    tree = ast.parse((PACKAGE / "server" / "spawner.py").read_text(encoding="utf-8"))
    preload = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == "_preload"
    )
    names = [
        constant.value
        for loop in ast.walk(preload)
        if isinstance(loop, ast.For) and isinstance(loop.iter, ast.Tuple)
        for constant in loop.iter.elts
        if isinstance(constant, ast.Constant)
    ]
    assert "relaytui.app" in names
    missing = [
        name
        for name in names
        if name.startswith("relaytui") and importlib.util.find_spec(name) is None
    ]
    assert missing == []


@pytest.mark.parametrize(
    "protocol", ["relaytui.ui.base:RelayHost", "relaytui.ui.palette:CommandsHost"]
)
def test_the_app_is_what_the_screens_take_it_for(protocol: str) -> None:
    """Screens reach the app through a protocol, not through the app's class: the app must have
    every member the protocol names."""
    import importlib
    import inspect
    import textwrap

    from relaytui.app import RelayApp

    module, name = protocol.split(":")
    members = {
        member
        for klass in importlib.import_module(module).__dict__[name].__mro__
        if klass.__module__ == module
        for member in (*klass.__dict__, *getattr(klass, "__annotations__", {}))
        if not member.startswith("_")
    }
    init = ast.parse(textwrap.dedent(inspect.getsource(RelayApp.__init__)))
    set_in_init = {
        node.attr
        for node in ast.walk(init)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
        and isinstance(node.ctx, ast.Store)
    }
    missing = sorted(
        member for member in members if not hasattr(RelayApp, member) and member not in set_in_init
    )
    assert missing == []
