"""Actions: typed fields plus the code that sends one payload (``perform``) or many (``perform_batch``).

The payload pipeline lives here too, because it is what turns an event into the payload an
action receives: resolve the mapping, remove empty values, coerce and validate against the
fields. Compiled mappings and validators are cached, so the pipeline does no parsing per event.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, model_validator

from actions.js import type_name

from ._errors import (
    ActionsError,
    ConfigurationError,
    FieldError,
    IntegrationError,
    MappingError,
    SchemaValidationError,
)
from ._fields import Field, default_mapping
from ._request import RequestClient

if TYPE_CHECKING:
    from .validation import PayloadValidator

__all__ = [
    "MAPPING_FAILED",
    "UNEXPECTED_ERROR",
    "Action",
    "BatchInput",
    "BatchResult",
    "Batching",
    "Delivered",
    "ExecuteInput",
    "Failed",
    "ItemResult",
    "Payload",
    "check_mapping_keys",
    "item_failure",
    "prepare_each",
]

#: Codes of per-item failures that are not the destination's own errors.
MAPPING_FAILED: Final = "MAPPING_FAILED"
UNEXPECTED_ERROR: Final = "UNEXPECTED_ERROR"

Payload = dict[str, Any]
S = TypeVar("S")


@dataclass(frozen=True)
class ExecuteInput(Generic[S]):
    """What ``perform`` receives besides the request client."""

    payload: Payload
    settings: S
    event: Mapping[str, Any] | None = None
    mapping: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class BatchInput(Generic[S]):
    """What ``perform_batch`` receives: payloads (and their source events) in the same order."""

    payloads: list[Payload]
    settings: S
    events: list[Mapping[str, Any]] = field(default_factory=list)
    mapping: Mapping[str, Any] | None = None
    #: The action's ``encode`` of each payload, when the runner encoded them ahead (in a worker
    #: process with ``--workers``); ``None``: encode them here.
    items: list[Any] | None = None


@dataclass(frozen=True)
class Delivered:
    """This item was accepted by the destination."""

    status: int = 200
    body: Any = None


@dataclass(frozen=True)
class Failed:
    """This item was not accepted; ``error.retryable`` says whether sending it again may help.

    ``isolating``: the failure (a transient one) was met in an extra request the destination made
    to find the bad items of a refused batch; it does not count against this item's attempts.
    """

    error: IntegrationError
    isolating: bool = False


ItemResult = Delivered | Failed


def item_failure(exc: BaseException) -> Failed:
    """What an exception raised for one item (preparing or sending it) means for that item.

    The one rule every runner applies (the delivery engine, the test harness, the golden-case
    runner): an :class:`~actions.IntegrationError` is the item's error as it is; a mapping that
    fails on this event is ``MAPPING_FAILED``; another framework error keeps its class name as
    the code; anything else is a bug in the action (``UNEXPECTED_ERROR``), which sending again
    would repeat, so it is not retryable.
    """
    if isinstance(exc, IntegrationError):
        return Failed(exc)
    if isinstance(exc, MappingError):
        return Failed(IntegrationError(str(exc), MAPPING_FAILED, 400))
    if isinstance(exc, ActionsError):
        return Failed(IntegrationError(str(exc), type(exc).__name__, 400))
    return Failed(IntegrationError(f"{type(exc).__name__}: {exc}", UNEXPECTED_ERROR, None, retryable=False))


def prepare_each(
    prepare: Callable[[Mapping[str, Any]], Payload], events: Iterable[Mapping[str, Any]]
) -> list[Payload | Failed]:
    """Each event's payload, or its :func:`item_failure`: one bad event never fails the others."""
    out: list[Payload | Failed] = []
    for event in events:
        try:
            out.append(prepare(event))
        except Exception as exc:  # whatever it is, it belongs to this event only
            out.append(item_failure(exc))
    return out


def check_mapping_keys(action: Action, mapping: Mapping[str, Any]) -> None:
    """Refuse mapping keys that are not fields of ``action`` (almost always a typo).

    The reference drops such keys silently; runners configured by people (the delivery engine,
    the test harness) call this first. The golden-case runner does not, to stay the reference.
    """
    unknown = [key for key in mapping if key not in action.fields]
    if unknown:
        fields = ", ".join(action.fields)
        raise ConfigurationError(
            f"mapping key {unknown[0]!r} is not a field of action {action.key!r} (fields: {fields})"
        )


#: ``perform_batch`` returns one result per payload, in order.
BatchResult = list[ItemResult]

PerformFn = Callable[[RequestClient, ExecuteInput[Any]], Awaitable[Any]]
PerformBatchFn = Callable[[RequestClient, BatchInput[Any]], Awaitable[BatchResult]]
EncodeFn = Callable[[Payload, Any], Any]


class Batching(BaseModel):
    """How many payloads a ``perform_batch`` call may take.

    Args:
        max_events: Most payloads per call.
        max_bytes: Most bytes of serialised payloads per call (an estimate the runtime keeps
            under; the destination still handles a "too large" answer).
        keys: Payload fields whose values must be equal within one batch (for example a
            per-request option).
        linger_s: How long a runner may wait to fill a batch before sending it anyway.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_events: int = 1000
    max_bytes: int = 4_000_000
    keys: tuple[str, ...] = ()
    linger_s: float = 0.5


class Action(BaseModel):
    """One thing a destination can do with an event.

    Args:
        key: Identifier used in subscriptions and presets (``logEvent``).
        title: Human name.
        description: What the action does, for docs.
        fields: The action's inputs, keyed by payload key.
        perform: ``async def perform(request, data: ExecuteInput) -> Any``.
        perform_batch: Optional ``async def perform_batch(request, data: BatchInput) -> BatchResult``.
        batching: Limits for ``perform_batch`` (required when it is given).
        encode: Optional ``encode(payload, settings) -> item``: the per-payload part of
            ``perform_batch`` (building and serialising what is sent), pure and returning plain
            data (``marshal``-able), so that runners do it ahead, in worker processes with
            ``--workers``, and hand the items over in :attr:`BatchInput.items`. An exception is
            that payload's failure (:func:`item_failure`), as if ``perform_batch`` had reported it.
        default_subscription: Filter suggested when the action is first configured.
        hidden: Not shown in listings.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    key: str
    title: str
    description: str
    fields: dict[str, Field]
    perform: PerformFn
    perform_batch: PerformBatchFn | None = None
    batching: Batching | None = None
    encode: EncodeFn | None = None
    default_subscription: str | None = None
    hidden: bool = False

    @model_validator(mode="after")
    def _batching_goes_with_perform_batch(self) -> Action:
        if self.perform_batch is not None and self.batching is None:
            object.__setattr__(self, "batching", Batching())
        return self

    @property
    def default_mapping(self) -> dict[str, Any]:
        """The mapping made of every field's default."""
        return default_mapping(self.fields)

    @functools.cached_property
    def json_schema(self) -> dict[str, Any]:
        """The JSON Schema of this action's payload."""
        from .validation import fields_to_json_schema

        return fields_to_json_schema(self.fields)

    @functools.cached_property
    def validator(self) -> PayloadValidator:
        from .validation import PayloadValidator

        return PayloadValidator(self.fields)

    def prepare(self, event: Mapping[str, Any], mapping: Mapping[str, Any]) -> Payload:
        """Resolve ``mapping`` against ``event`` and return the validated payload.

        Raises:
            MappingError: the mapping failed on this event.
            SchemaValidationError: the payload does not fit the fields.
        """
        return self.preparer(mapping)(event)

    def preparer(self, mapping: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], Payload]:
        """:meth:`prepare` with ``mapping`` compiled once, for many events.

        Validates the mapping now (raising :class:`~actions.MappingError`); the mapping must not
        change while the returned function is in use.
        """
        from .mapping import compile as compile_mapping

        program = compile_mapping(mapping)
        clean = self.validator.clean

        def prepare(event: Mapping[str, Any]) -> Payload:
            resolved = program(event if isinstance(event, dict) else dict(event))
            if not isinstance(resolved, dict):
                kind = type_name(resolved)
                article = "an" if kind[0] in "aeiou" else "a"
                raise SchemaValidationError(
                    [FieldError("$", "", f"The root value must be an object but it was {article} {kind}.")]
                )
            return clean(resolved, is_root=True)

        return prepare
