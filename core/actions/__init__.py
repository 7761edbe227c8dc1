"""Action destinations: map analytics events onto typed actions and deliver them to vendor APIs.

Plugin authors import from here (definitions, errors, ``hookimpl``) and from
:mod:`actions.testing`. Everything in ``actions._*`` modules is private.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

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
from ._clock import Clock, FixedClock, SystemClock, get_clock, use_clock
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
)
from ._fields import Choice, Condition, DependsOn, Field, FieldType, default_mapping
from ._redact import Redactor
from ._registry import Registry, get_registry
from ._request import Exchange, HttpSession, RequestClient, RequestOptions
from ._settings import SecretStr, Settings, setting
from ._subscriptions import Filter, parse_filter
from .hookspecs import hookimpl

try:
    __version__ = version("action-destinations-core")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0"

__all__ = [
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
    "Exchange",
    "ExecuteInput",
    "Failed",
    "Field",
    "FieldError",
    "FieldType",
    "Filter",
    "FixedClock",
    "HTTPError",
    "HttpSession",
    "IntegrationError",
    "InvalidAuthenticationError",
    "ItemResult",
    "MappingError",
    "NetworkError",
    "Payload",
    "PayloadValidationError",
    "PluginLoadError",
    "Preset",
    "Redactor",
    "Registry",
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
    "get_clock",
    "get_registry",
    "hookimpl",
    "is_retryable",
    "parse_filter",
    "setting",
    "use_clock",
]
