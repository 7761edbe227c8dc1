"""Routing and preparing, for one destination: which subscriptions an event matches, and each payload.

Pure functions of the event and the configuration, so worker processes run them too. A failure
to prepare belongs to that event and that subscription only (the one rule of
:func:`~actions._action.item_failure`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

from pydantic import ValidationError

from .._action import Action, check_mapping_keys, item_failure
from .._destination import Destination, Subscription
from .._errors import ConfigurationError, MappingError, SubscriptionError
from .._subscriptions import Filter, parse_filter
from ._batcher import BatchLimits, payload_size
from ._options import BatchOptions

__all__ = ["NO_SUBSCRIPTION", "Prepared", "Route", "Router", "compile_routes"]

#: A replayed record whose action no subscription sends to any more.
NO_SUBSCRIPTION: Final = "NO_SUBSCRIPTION"

#: One delivery prepared: the route's index, then the payload and its batch size, or the error
#: (code, message, status, retryable), then the action's ``encode`` of the payload (``None``: the
#: route does not encode; a :class:`~actions.Failed`: encoding failed). Plain data, so it travels
#: between processes.
Prepared: TypeAlias = "tuple[int, dict[str, Any] | None, int, tuple[str, str, int | None, bool] | None, Any]"


@dataclass(frozen=True)
class Route:
    """One subscription, resolved: its filter, action, mapping and batch limits (``None``: unbatched)."""

    index: int
    label: str
    subscription: Subscription
    filter: Filter
    action: Action
    mapping: dict[str, Any]
    limits: BatchLimits | None
    #: ``action.prepare`` with the mapping compiled once for the run.
    prepare: Callable[[Mapping[str, Any]], dict[str, Any]]


def compile_routes(
    destination: Destination,
    subscriptions: Sequence[Subscription | Mapping[str, Any]],
    batching: BatchOptions,
) -> list[Route]:
    """Check and compile subscriptions; every problem is a configuration error naming the subscription."""
    from ..mapping import validate as validate_mapping

    routes = []
    for number, item in enumerate(subscriptions, 1):
        try:
            subscription = item if isinstance(item, Subscription) else Subscription.model_validate(item)
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(part) for part in problem["loc"]) or "subscription"
            raise ConfigurationError(f"subscription {number}: {where}: {problem['msg']}") from None
        label = subscription.name or subscription.subscribe
        try:
            action = destination.action(subscription.action)
            mapping = (
                dict(subscription.mapping) if subscription.mapping is not None else action.default_mapping
            )
            check_mapping_keys(action, mapping)
            validate_mapping(mapping)
            route_filter = parse_filter(subscription.subscribe)
        except ConfigurationError as exc:
            shown = label if len(label) <= 80 else label[:77] + "..."  # the error quotes it again
            message = f"subscription {number} ({shown}): {exc}"
            if isinstance(exc, MappingError):
                raise MappingError(message, kind=exc.kind) from None
            if isinstance(exc, SubscriptionError):
                raise SubscriptionError(message) from None
            raise ConfigurationError(message) from None
        prepare = action.preparer(mapping)
        routes.append(
            Route(
                number - 1,
                label,
                subscription,
                route_filter,
                action,
                mapping,
                batching.limits_for(action),
                prepare,
            )
        )
    return routes


class Router:
    """One destination's routes, and how an event (or a replayed record) is routed and prepared."""

    def __init__(self, routes: list[Route], settings: Any = None) -> None:
        self.routes = routes
        self.settings = settings
        # Each route's encode step: only batched routes have one (perform_batch takes the items).
        self._encoders = [route.action.encode if route.limits is not None else None for route in routes]
        #: Run the encode steps here: set in worker processes, which then take them off the engine's
        #: process. In one process perform_batch encodes on the fly, which costs less than carrying items.
        self.encoding = False
        self._by_action: dict[str, list[Route]] = {}
        for route in routes:
            self._by_action.setdefault(route.action.key, []).append(route)

    def prepare(
        self, event: dict[str, Any], action: str | None = None, subscription: str | None = None
    ) -> list[Prepared]:
        """The deliveries of ``event``: each matching route with its payload (and size) or error.

        ``action`` (replay) sends it to that action only, preferring the subscription named
        ``subscription``; when no subscription sends to that action any more, the one delivery
        is a ``NO_SUBSCRIPTION`` error with route index -1.
        """
        if action is None:
            routes = [route for route in self.routes if route.filter.matches(event)]
        else:
            candidates = self._by_action.get(action)
            if not candidates:
                message = f"no subscription sends events to action {action!r}"
                return [(-1, None, 0, (NO_SUBSCRIPTION, message, None, False), None)]
            if subscription is not None:
                candidates = [route for route in candidates if route.label == subscription] or candidates
            routes = [route for route in candidates if route.filter.matches(event)]
        out: list[Prepared] = []
        for route in routes:
            try:
                payload = route.prepare(event)
            except Exception as exc:  # this event's failure, by the one rule of item_failure
                error = item_failure(exc).error
                failure = (error.code, error.message or str(error), error.status, error.retryable)
                out.append((route.index, None, 0, failure, None))
                continue
            encode = self._encoders[route.index]
            item: Any = None
            if encode is not None and self.encoding:
                try:
                    item = encode(payload, self.settings)
                except Exception as exc:  # this payload's failure, as if perform_batch had reported it
                    item = item_failure(exc)
            size = payload_size(payload) if route.limits is not None else 0
            out.append((route.index, payload, size, None, item))
        return out
