"""The mapping language's entry points: transform one payload or a batch, validate, compile."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from actions.js import UNDEFINED, type_name

from .._errors import MappingError
from ._compile import cached_program
from ._validate import check_mapping

__all__ = ["compile", "transform", "transform_batch", "validate"]

_STACK_OVERFLOW = "Maximum call stack size exceeded"


def _payload(payload: Any) -> Any:
    if payload is UNDEFINED:
        return {}
    if type(payload) is dict or isinstance(payload, dict):
        return payload
    raise MappingError(f"data must be an object, got {type_name(payload)}")


def _wrap(error: Exception) -> MappingError:
    """Turn an unexpected Python exception into the one error type this package raises."""
    if isinstance(error, RecursionError):
        return MappingError(_STACK_OVERFLOW, kind="RangeError")
    return MappingError(str(error) or type(error).__name__, kind=type(error).__name__)


def transform(mapping: Any, payload: Any = UNDEFINED) -> Any:
    """Resolve ``mapping`` against ``payload`` (an event object; omitted means ``{}``).

    The mapping is validated first (every problem is reported at once), then resolved;
    undefined values are removed from objects recursively. Returns ``UNDEFINED`` when the
    result itself is undefined (for example a top-level ``@path`` to a missing key).
    ``UNDEFINED`` items inside arrays are kept; :func:`actions.js.json_stringify` writes them
    as ``null``.

    Raises:
        MappingError: the payload is not an object, the mapping is invalid, or a directive
            failed while resolving. ``kind`` names the reference's error class.
    """
    try:
        data = _payload(payload)
        return cached_program(mapping).run(data)
    except MappingError:
        raise
    except Exception as error:
        raise _wrap(error) from error


def transform_batch(mapping: Any, payloads: Any = UNDEFINED) -> list[Any]:
    """Validate ``mapping`` once and resolve it against each payload in ``payloads``.

    Items are not checked to be objects (a ``null`` item resolves paths to ``null``, as in the
    reference). Omitted means an empty batch; ``None`` is JavaScript's ``null`` and is rejected
    (``data must be an array, got null``).
    """
    try:
        if payloads is UNDEFINED:
            payloads = []
        if not isinstance(payloads, list | tuple):
            raise MappingError(f"data must be an array, got {type_name(payloads)}")
        run = cached_program(mapping).run
        return [run(item) for item in payloads]
    except MappingError:
        raise
    except Exception as error:
        raise _wrap(error) from error


def validate(mapping: Any) -> None:
    """Raise :class:`MappingError` describing every problem in ``mapping``; return if it is valid.

    One problem is reported with ``kind="ValidationError"``; problems found while walking
    objects are collected into ``kind="AggregateError"`` (as the reference does, even for one).
    ``messages`` holds each message, such as ``/oops/@merge should be an object but it is an array.``
    """
    try:
        check_mapping(mapping)
    except MappingError:
        raise
    except Exception as error:
        raise _wrap(error) from error


def compile(mapping: Any) -> Callable[[Any], Any]:  # noqa: A001 - the name the API promises
    """Validate ``mapping`` once and return a fast function ``payload -> result``.

    Compiled mappings are cached (bounded LRU, keyed on the mapping's value), so calling
    ``compile`` or :func:`transform` again with an equal mapping reuses the closures.
    """
    try:
        run = cached_program(mapping).run
    except MappingError:
        raise
    except Exception as error:
        raise _wrap(error) from error

    def mapped(payload: Any = None) -> Any:
        try:
            return run(_payload(payload))
        except MappingError:
            raise
        except Exception as error:
            raise _wrap(error) from error

    return mapped
