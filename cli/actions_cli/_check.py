"""``actions check``: validate settings and verify the credentials against the vendor."""

from __future__ import annotations

import asyncio

import click
from actions import AuthenticationFailed, HttpSession, get_registry

from ._output import EXIT_FAILED
from ._params import BASE_URL
from ._settings_file import env_prefix, load_settings


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
    Exit code 0 when verified, 1 when the destination rejects the credentials, 2 when the
    settings are invalid.
    """
    destination = get_registry().destination(slug)
    raw = load_settings(destination, settings_path)
    settings = destination.validate_settings(raw)
    if destination.test_authentication is None:
        click.echo(f"{slug}: settings are valid (this destination has no credentials check)")
        return
    redact = destination.redactor(settings)

    async def verify() -> None:
        async with HttpSession(base_url=base_url) as session:
            await destination.authenticate(settings, session)

    try:
        asyncio.run(verify())
    except AuthenticationFailed as exc:
        click.echo(f"{slug}: not verified: {redact.text(str(exc))}", err=True)
        raise SystemExit(EXIT_FAILED) from None
    click.echo(f"{slug}: credentials verified")


def register(cli: click.Group) -> None:
    cli.add_command(check_command)


__all__ = ["check_command", "env_prefix"]
