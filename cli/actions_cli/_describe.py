"""``actions describe``: a destination's settings, actions, fields and presets."""

from __future__ import annotations

import click
from actions.runtime import describe, describe_markdown, describe_text, get_registry

from ._output import print_json


@click.command("describe")
@click.argument("slug")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="Output format: a terminal summary, JSON for tools, or the Markdown reference used in docs.",
)
def describe_command(slug: str, fmt: str) -> None:
    """Describe destination SLUG: settings, actions with their fields and default mappings, presets."""
    registry = get_registry()
    destination = registry.destination(slug)
    enrichers = registry.enrichers_of(slug)
    if fmt == "json":
        print_json(describe(destination, enrichers))
    elif fmt == "markdown":
        click.echo(describe_markdown(destination, enrichers=enrichers), nl=False)
    else:
        click.echo(describe_text(destination, enrichers), nl=False)
