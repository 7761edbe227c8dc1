"""The Amplitude destination's settings: a project's two keys and its data region."""

from __future__ import annotations

from typing import Literal

from actions import SecretStr, Settings, setting

__all__ = ["AmplitudeSettings", "secret_value"]


class AmplitudeSettings(Settings):
    """Credentials and data region of one Amplitude project."""

    apiKey: SecretStr = setting(
        label="API Key",
        description="The project's API key, from the General tab of the project settings in Amplitude.",
    )
    secretKey: SecretStr = setting(
        label="Secret Key",
        description=(
            "The project's secret key, from the same page; used for the credentials check and deletions."
        ),
    )
    endpoint: Literal["north_america", "europe"] = setting(
        "north_america",
        label="Endpoint Region",
        description="Where the project's data lives: Amplitude's North American or European data center.",
        choices={"north_america": "North America", "europe": "Europe"},
        format="text",
    )


def secret_value(secret: SecretStr | None) -> str | None:
    """The plain value of a secret setting, for the request that sends it.

    ``None`` when it is unset: the reference's test harness passes settings unvalidated, and a
    missing ``apiKey`` is then simply left out of the request. An unvalidated value that is not a
    string was never made a secret, and is passed on as it is.
    """
    return secret.get_secret_value() if isinstance(secret, SecretStr) else secret
