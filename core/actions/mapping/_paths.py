"""Path lookups (``$.a.b[0]``): the reference's ``get`` semantics, and pre-split fast getters."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, Final

from actions.js import UNDEFINED, member, to_string

__all__ = ["Getter", "get", "make_getter", "path_getter", "split_path"]

#: A compiled lookup: takes the object to read from and returns the value (or ``UNDEFINED``).
Getter = Callable[[Any], Any]

# Split on ".", on "[" that opens a quoted or numeric index, and on "]" that closes one.
# A bracket around anything else (``a[b]``) stays part of the key, as in the reference.
_SEPARATORS: Final = re.compile(r"""\[(?=["'0-9])|\.|(?<=["'0-9])\]+""")


@lru_cache(maxsize=4096)
def _split_cached(path: str) -> tuple[str, ...]:
    return tuple(part.replace("'", "").replace('"', "") for part in _SEPARATORS.split(path) if part)


def split_path(path: str) -> tuple[str, ...]:
    """The keys a path string addresses: ``a.b[0]['c d']`` → ``('a', 'b', '0', 'c d')``.

    Quotes are removed wherever they appear, so a key containing a dot cannot be addressed.
    """
    return _split_cached(path)


def get(obj: Any, path: str | Sequence[Any] | None) -> Any:
    """Read ``path`` from ``obj`` exactly as the reference's ``get`` does.

    ``''`` and ``'.'`` return ``obj`` itself; ``None`` returns ``UNDEFINED``; a sequence of keys
    is used as given (numbers become property names). Traversal stops at the first falsy value
    and returns it, so ``get({'n': 0}, 'n.x')`` is ``0``. Missing keys give ``UNDEFINED``.
    """
    if path == "" or path == ".":
        return obj
    if path is None:
        return UNDEFINED
    if isinstance(path, str):
        keys: Sequence[str] = split_path(path)
    else:
        keys = [key if isinstance(key, str) else to_string(key) for key in path]
    value = obj
    for key in keys:
        value = member(value, key)
    return value


def _identity(value: Any) -> Any:
    return value


def make_getter(keys: Sequence[str]) -> Getter:
    """A closure reading ``keys`` from its argument, specialised for the common depths.

    Plain dictionaries take the fast path (``dict.get``); anything else goes through
    :func:`actions.js.member` so the reference's quirks hold everywhere.
    """
    missing = UNDEFINED
    step = member
    count = len(keys)
    if count == 0:
        return _identity
    if count == 1:
        (k0,) = keys

        def get1(o: Any) -> Any:
            return o.get(k0, missing) if type(o) is dict else step(o, k0)

        return get1
    if count == 2:
        k0, k1 = keys

        def get2(o: Any) -> Any:
            o = o.get(k0, missing) if type(o) is dict else step(o, k0)
            return o.get(k1, missing) if type(o) is dict else step(o, k1)

        return get2
    if count == 3:
        k0, k1, k2 = keys

        def get3(o: Any) -> Any:
            o = o.get(k0, missing) if type(o) is dict else step(o, k0)
            o = o.get(k1, missing) if type(o) is dict else step(o, k1)
            return o.get(k2, missing) if type(o) is dict else step(o, k2)

        return get3
    if count == 4:
        k0, k1, k2, k3 = keys

        def get4(o: Any) -> Any:
            o = o.get(k0, missing) if type(o) is dict else step(o, k0)
            o = o.get(k1, missing) if type(o) is dict else step(o, k1)
            o = o.get(k2, missing) if type(o) is dict else step(o, k2)
            return o.get(k3, missing) if type(o) is dict else step(o, k3)

        return get4
    frozen = tuple(keys)

    def get_n(o: Any) -> Any:
        for key in frozen:
            o = o.get(key, missing) if type(o) is dict else step(o, key)
        return o

    return get_n


def path_getter(path: str) -> Getter:
    """The getter for an ``@path`` string: the first ``$.`` is removed wherever it is, then split."""
    stripped = path.replace("$.", "", 1)
    if stripped == "" or stripped == ".":
        return _identity
    return make_getter(split_path(stripped))


@lru_cache(maxsize=1024)
def cached_path_getter(path: str) -> Getter:
    """:func:`path_getter` for paths only known at run time (``@path`` whose value is a directive)."""
    return path_getter(path)
