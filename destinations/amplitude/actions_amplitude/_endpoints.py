"""Amplitude's API URLs per data region, and how settings pick one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

from actions.js import to_string

from ._settings import AmplitudeSettings

__all__ = [
    "API_VERSION",
    "DEFAULT_REGION",
    "ENDPOINTS",
    "EndpointName",
    "Region",
    "endpoint_for",
    "get_endpoint_by_region",
]

#: The Amplitude API version interpolated into the versioned paths.
API_VERSION: Final = "2"

Region = Literal["north_america", "europe"]
EndpointName = Literal["batch", "deletions", "httpapi", "identify", "groupidentify", "usermap", "usersearch"]

DEFAULT_REGION: Final[Region] = "north_america"

ENDPOINTS: Final[Mapping[str, Mapping[str, str]]] = {
    "batch": {
        "north_america": "https://api2.amplitude.com/batch",
        "europe": "https://api.eu.amplitude.com/batch",
    },
    "deletions": {
        "north_america": f"https://amplitude.com/api/{API_VERSION}/deletions/users",
        "europe": f"https://analytics.eu.amplitude.com/api/{API_VERSION}/deletions/users",
    },
    "httpapi": {
        "north_america": f"https://api2.amplitude.com/{API_VERSION}/httpapi",
        "europe": f"https://api.eu.amplitude.com/{API_VERSION}/httpapi",
    },
    "identify": {
        "north_america": "https://api2.amplitude.com/identify",
        "europe": "https://api.eu.amplitude.com/identify",
    },
    "groupidentify": {
        "north_america": "https://api2.amplitude.com/groupidentify",
        "europe": "https://api.eu.amplitude.com/groupidentify",
    },
    # The user mapping API lives on api.amplitude.com in North America, not api2.
    "usermap": {
        "north_america": "https://api.amplitude.com/usermap",
        "europe": "https://api.eu.amplitude.com/usermap",
    },
    "usersearch": {
        "north_america": f"https://amplitude.com/api/{API_VERSION}/usersearch",
        "europe": f"https://analytics.eu.amplitude.com/api/{API_VERSION}/usersearch",
    },
}


def get_endpoint_by_region(name: str, region: object = None) -> str:
    """The URL of API ``name`` in ``region``; an unknown or missing region means North America.

    >>> get_endpoint_by_region("httpapi", "europe")
    'https://api.eu.amplitude.com/2/httpapi'
    >>> get_endpoint_by_region("usermap", "mars")
    'https://api.amplitude.com/usermap'
    >>> get_endpoint_by_region("batch", ["europe"])
    'https://api.eu.amplitude.com/batch'
    """
    urls = ENDPOINTS[name]
    # The region is looked up as an object key, which JavaScript turns into a string first: the
    # unvalidated setting ["europe"] still means Europe.
    key = region if isinstance(region, str) else to_string(region)
    return urls.get(key, urls[DEFAULT_REGION])


def endpoint_for(name: EndpointName, settings: AmplitudeSettings) -> str:
    """The URL of API ``name`` in the region the settings select."""
    return get_endpoint_by_region(name, settings.endpoint)
