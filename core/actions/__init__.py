"""Action destinations: map analytics events onto typed actions and deliver them to vendor APIs.

Destination authors import from here (definitions, results, errors, ``hookimpl``, the clock and
the request helpers) and from :mod:`actions.testing`. Hosts that run destinations (the CLI) use
:mod:`actions.runtime`; subscription filters are :mod:`actions.subscriptions`, JavaScript's rules
:mod:`actions.js`. Everything in ``actions._*`` modules is private.
"""

from __future__ import annotations

import typing

from ._lazy import lazy_exports as _lazy_exports

# The names below load on first use (PEP 562): ``import actions`` (the CLI's ``--version``, or a host
# that needs only ``actions.runtime``'s registry) must not pay for pydantic and httpx up front.
if typing.TYPE_CHECKING:
    from actions.js import UNDEFINED

    from ._action import (
        Action,
        Batching,
        BatchInput,
        BatchResult,
        Delivered,
        ExecuteInput,
        Failed,
        ItemResult,
        Payload,
    )
    from ._clock import Clock, FixedClock, SystemClock, get_clock, iso_ms, use_clock
    from ._dates import parse_date
    from ._destination import (
        DeleteInput,
        Destination,
        Divergence,
        Preset,
        SandboxRun,
        Subscription,
    )
    from ._enrichers import Enricher, EnricherOptions, EnricherSpec
    from ._errors import (
        ActionsError,
        APIError,
        AuthenticationFailed,
        ConfigurationError,
        FieldError,
        HTTPError,
        IntegrationError,
        InvalidAuthenticationError,
        MappingError,
        NetworkError,
        PayloadValidationError,
        PluginLoadError,
        RetryableError,
        SchemaValidationError,
        SettingsValidationError,
        SubscriptionError,
        UnknownDestinationError,
        is_retryable,
        parse_retry_after,
    )
    from ._fields import Choice, Condition, DependsOn, Field, FieldType, default_mapping
    from ._request import FORM_CONTENT_TYPE, RequestClient, RequestOptions, encode_form, response_data
    from ._settings import SecretStr, Settings, setting
    from .hookspecs import hookimpl

    __version__: str

#: Where each lazily loaded name lives (relative to this package).
_HOMES = {
    "UNDEFINED": "actions.js",
    **dict.fromkeys(
        ["Action", "Batching", "BatchInput", "BatchResult", "Delivered", "ExecuteInput", "Failed",
         "ItemResult", "Payload"],
        "._action",
    ),
    **dict.fromkeys(["Clock", "FixedClock", "SystemClock", "get_clock", "iso_ms", "use_clock"], "._clock"),
    "parse_date": "._dates",
    **dict.fromkeys(
        ["DeleteInput", "Destination", "Divergence", "Preset", "SandboxRun", "Subscription"], "._destination"
    ),
    **dict.fromkeys(["Enricher", "EnricherOptions", "EnricherSpec"], "._enrichers"),
    **dict.fromkeys(
        ["ActionsError", "APIError", "AuthenticationFailed", "ConfigurationError", "FieldError", "HTTPError",
         "IntegrationError", "InvalidAuthenticationError", "MappingError", "NetworkError",
         "PayloadValidationError", "PluginLoadError", "RetryableError", "SchemaValidationError",
         "SettingsValidationError", "SubscriptionError", "UnknownDestinationError", "is_retryable",
         "parse_retry_after"],
        "._errors",
    ),
    **dict.fromkeys(
        ["Choice", "Condition", "DependsOn", "Field", "FieldType", "default_mapping"], "._fields"
    ),
    **dict.fromkeys(
        ["FORM_CONTENT_TYPE", "RequestClient", "RequestOptions", "encode_form", "response_data"], "._request"
    ),
    **dict.fromkeys(["SecretStr", "Settings", "setting"], "._settings"),
    "hookimpl": ".hookspecs",
}  # fmt: skip


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("action-destinations-core")
    except metadata.PackageNotFoundError:  # running from a source tree without installing
        return "0.0.0"


_import_lazily = _lazy_exports(__name__, globals(), _HOMES)


def __getattr__(name: str) -> typing.Any:
    if name != "__version__":
        return _import_lazily(name)
    globals()[name] = value = _version()  # later look-ups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "FORM_CONTENT_TYPE",
    "UNDEFINED",
    "APIError",
    "Action",
    "ActionsError",
    "AuthenticationFailed",
    "BatchInput",
    "BatchResult",
    "Batching",
    "Choice",
    "Clock",
    "Condition",
    "ConfigurationError",
    "DeleteInput",
    "Delivered",
    "DependsOn",
    "Destination",
    "Divergence",
    "Enricher",
    "EnricherOptions",
    "EnricherSpec",
    "ExecuteInput",
    "Failed",
    "Field",
    "FieldError",
    "FieldType",
    "FixedClock",
    "HTTPError",
    "IntegrationError",
    "InvalidAuthenticationError",
    "ItemResult",
    "MappingError",
    "NetworkError",
    "Payload",
    "PayloadValidationError",
    "PluginLoadError",
    "Preset",
    "RequestClient",
    "RequestOptions",
    "RetryableError",
    "SandboxRun",
    "SchemaValidationError",
    "SecretStr",
    "Settings",
    "SettingsValidationError",
    "Subscription",
    "SubscriptionError",
    "SystemClock",
    "UnknownDestinationError",
    "__version__",
    "default_mapping",
    "encode_form",
    "get_clock",
    "hookimpl",
    "is_retryable",
    "iso_ms",
    "parse_date",
    "parse_retry_after",
    "response_data",
    "setting",
    "use_clock",
]
