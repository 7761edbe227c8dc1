"""What ``GET /v1/projects/{writeKey}/settings`` answers: the settings the Segment SDKs load.

The shape of Segment's CDN settings as analytics.js (``LegacySettings``) and analytics-kotlin /
analytics-swift (``Settings``) read them. ``"Segment.io"`` points the SDK at this server; an
``"Actions Amplitude"`` entry turns on the mobile AmplitudeSession plugins, and it names no
browser component, so analytics.js loads nothing for it. No destination setting is ever copied in.
"""

from __future__ import annotations

from typing import Any

__all__ = ["sdk_settings"]


def sdk_settings(write_key: str, api_host: str, *, amplitude: bool) -> dict[str, Any]:
    """The settings document for a source; ``api_host`` is ``host[:port]/v1``, without a scheme."""
    integrations: dict[str, Any] = {
        "Segment.io": {
            "apiKey": write_key,
            "apiHost": api_host,
            "unbundledIntegrations": [],
            "addBundledMetadata": True,
            "maybeBundledConfigIds": {},
            "versionSettings": {"componentTypes": ["browser"]},
        }
    }
    if amplitude:
        integrations["Actions Amplitude"] = {"versionSettings": {"componentTypes": []}}
    return {
        "integrations": integrations,
        "plan": {
            "track": {"__default": {"enabled": True, "integrations": {}}},
            "identify": {"__default": {"enabled": True}},
            "group": {"__default": {"enabled": True}},
        },
        "edgeFunction": {},
        "analyticsNextEnabled": True,
        "middlewareSettings": {},
        "enabledMiddleware": {},
        # analytics.js reports its own telemetry to Segment at this rate: none from a private server.
        "metrics": {"sampleRate": 0},
        "legacyVideoPluginsEnabled": False,
        "remotePlugins": [],
    }
