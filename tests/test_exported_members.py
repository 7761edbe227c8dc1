"""Every public package says exactly what it exports (httpx's ``test_exported_members``).

The public packages, and the public modules that are facades over private ones, hold only what
they export: their ``__all__`` is sorted (ruff's order: CONSTANTS, then Classes, then the rest),
names every public object the module holds (defined there or imported into it: whatever
``from actions.x import ...`` can reach) and nothing it does not hold. Submodules are reached as
modules, not exported names. (Public modules with code of their own, such as
``actions.testing.conformance``, import helpers they do not export; they are not facades.)
"""

from __future__ import annotations
import __future__

import importlib
import pkgutil
from types import ModuleType

import actions
import pytest


def public_packages() -> list[str]:
    found = ["actions"]
    for info in pkgutil.walk_packages(actions.__path__, "actions."):
        if info.ispkg and not any(part.startswith("_") for part in info.name.split(".")):
            found.append(info.name)
    return sorted(found)


FACADES = ["actions.runtime", "actions.subscriptions"]
PUBLIC = sorted([*public_packages(), *FACADES])


def _sort_key(name: str) -> tuple[int, str]:
    """ruff's ``__all__`` order (RUF022): SCREAMING_CASE, then CamelCase, then the rest."""
    if name.isupper() and len(name) > 1:
        return (0, name)
    return (1, name) if name[:1].isupper() else (2, name)


def _held(module: ModuleType) -> list[str]:
    return [
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, ModuleType)
        and not isinstance(value, __future__._Feature)  # `from __future__ import annotations`
    ]


def test_the_public_packages_are_all_checked() -> None:
    expected = {"actions", "actions.delivery", "actions.js", "actions.mapping", "actions.testing"}
    assert expected <= set(PUBLIC)


@pytest.mark.parametrize("name", PUBLIC)
def test_all_is_sorted(name: str) -> None:
    exported = importlib.import_module(name).__all__
    assert exported == sorted(exported, key=_sort_key)


@pytest.mark.parametrize("name", PUBLIC)
def test_all_names_every_public_member(name: str) -> None:
    module = importlib.import_module(name)
    exported = set(module.__all__)
    missing = sorted(set(_held(module)) - exported)
    assert missing == [], f"{name} holds public names that __all__ leaves out: {missing}"


@pytest.mark.parametrize("name", PUBLIC)
def test_every_exported_name_resolves(name: str) -> None:
    module = importlib.import_module(name)
    unresolved = [member for member in module.__all__ if not hasattr(module, member)]
    assert unresolved == []
    modules = [member for member in module.__all__ if isinstance(getattr(module, member), ModuleType)]
    assert modules == [], "export objects, not modules"


def test_authors_and_hosts_import_from_different_modules() -> None:
    """The root is the authoring API; what runs destinations is ``actions.runtime``."""
    import actions.runtime

    assert set(actions.__all__).isdisjoint(actions.runtime.__all__)
    for machinery in ("Registry", "get_registry", "HttpSession", "Redactor", "Exchange", "parse_filter"):
        assert not hasattr(actions, machinery), machinery
