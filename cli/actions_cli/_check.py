"""``actions check``: validate settings and verify the credentials against the vendor."""

from __future__ import annotations

import asyncio
import logging

import click
from actions import AuthenticationFailed, InvalidAuthenticationError, NetworkError
from actions.delivery import DestinationConfig
from actions.runtime import HttpSession, get_registry

from ._logging import redact_with
from ._output import EXIT_FAILED, fail
from ._params import BASE_URL
from ._settings_file import env_prefix, load_settings

_log = logging.getLogger("actions.cli")

#: The destination could not be reached (no answer, or an answer saying it cannot check now).
EXIT_UNREACHABLE = 3
#: The destination answered that the credentials are not valid.
EXIT_REJECTED = 4


@click.command("check")
@click.argument("slug")
@click.option(
    "--settings", "settings_path", type=click.Path(dir_okay=False), help="Settings file (JSON or TOML)."
)
@click.option(
    "--base-url", type=BASE_URL, help="Send requests to this http(s)://host:port instead (keeps paths)."
)
def check_command(slug: str, settings_path: str | None, base_url: str | None) -> None:
    """Validate the settings of destination SLUG and verify its credentials.

    Settings come from --settings and from ACTIONS_<SLUG>_<KEY> environment variables.
    Exit code 0 when verified, 2 when the settings are invalid (or the command is misused),
    3 when the destination could not be reached (no answer, a timeout, or a 5xx/429 answer:
    try again later), 4 when the destination rejected the credentials (another 4xx answer),
    1 when the check itself failed.
    """
    destination = get_registry().destination(slug)
    raw = load_settings(destination, settings_path).settings
    where = f" in {settings_path}" if settings_path else ""
    settings = DestinationConfig(slug, destination, raw, where=where).validated_settings()
    if destination.test_authentication is None:
        click.echo(f"{slug}: settings are valid (this destination has no credentials check)")
        return
    redact = destination.redactor(settings)
    redact_with(redact)

    async def verify() -> None:
        async with HttpSession(base_url=base_url) as session:
            await destination.authenticate(settings, session)

    try:
        asyncio.run(verify())
    except AuthenticationFailed as exc:
        cause = exc.__cause__
        status = getattr(cause, "status", None)
        reason = redact.text(getattr(cause, "message", None) or str(cause))
        if isinstance(cause, NetworkError) or (isinstance(status, int) and (status == 429 or status >= 500)):
            fail(f"{slug}: could not reach the destination: {reason}", EXIT_UNREACHABLE)
        if isinstance(cause, InvalidAuthenticationError) or isinstance(status, int):
            fail(f"{slug}: the destination rejected the credentials: {redact.text(str(exc))}", EXIT_REJECTED)
        # Neither an answer nor a network error: the check itself failed (a bug in the plugin).
        _log.debug("%s: unexpected error in the credentials check", slug, exc_info=cause)
        fail(f"{slug}: the credentials check failed: {type(cause).__name__}: {reason}", EXIT_FAILED)
    click.echo(f"{slug}: credentials verified")


__all__ = ["EXIT_REJECTED", "EXIT_UNREACHABLE", "check_command", "env_prefix"]
