"""``actions plugins``: what is installed, where it came from, and what failed to load."""

from __future__ import annotations

from typing import Any

import click
from actions.runtime import get_registry

from ._output import EXIT_FAILED, print_json


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def plugins_command(as_json: bool) -> None:
    """List installed destinations, enrichers, sources and queues, and plugins that failed to load.

    A destination slug that two plugins register is listed as a CONFLICT naming both, and
    refused until one of them is uninstalled.

    Set ACTIONS_LOAD_PLUGINS='' to start without any plugin, or to a comma-separated list of
    names to load only those; ACTIONS_STRICT_PLUGINS=1 makes a broken plugin an error.
    Exit code 1 when a plugin failed to load.
    """
    registry = get_registry()
    destinations = registry.destinations()
    data: dict[str, Any] = {
        "destinations": [
            {
                "slug": slug,
                "name": d.name,
                "plugin": info.name if (info := registry.plugin_for(slug)) else None,
                "package": info.package if info else None,
                "version": info.version if info else None,
                "actions": list(d.actions),
            }
            for slug, d in destinations.items()
        ],
        "enrichers": [
            {"name": name, "description": spec.description, "params": dict(spec.params)}
            for name, spec in registry.enrichers().items()
        ],
        "sources": [
            {"name": name, "description": spec.description, "params": dict(spec.params)}
            for name, spec in registry.sources().items()
        ],
        "queues": [
            {"scheme": scheme, "description": spec.description, "params": dict(spec.params)}
            for scheme, spec in registry.queues().items()
        ],
        "plugins": [
            {
                "name": p.name,
                "package": p.package,
                "version": p.version,
                "hooks": p.hooks,
                "destinations": p.destinations,
                "enrichers": p.enrichers,
                "sources": p.sources,
                "queues": p.queues,
            }
            for p in registry.plugins
        ],
        "conflicts": [
            {
                "slug": c.slug,
                "queues": [
            {"scheme": scheme, "description": spec.description, "params": dict(spec.params)}
            for scheme, spec in registry.queues().items()
        ],
        "plugins": [{"name": p.name, "package": p.package, "version": p.version} for p in c.plugins],
                "error": c.error,
            }
            for c in registry.conflicts
        ],
        "failed": [
            {
                "name": f.name,
                "package": f.package,
                "version": f.version,
                "entry_point": f.entry_point,
                "location": f.location,
                "error": f.error,
            }
            for f in registry.failures
        ],
    }
    if as_json:
        print_json(data)
        if data["failed"]:
            raise SystemExit(EXIT_FAILED)
        return
    if not destinations:
        click.echo("No destinations installed.")
    for item in data["destinations"]:
        source = f"{item['package']} {item['version']}" if item["package"] else "registered directly"
        click.echo(f"{item['slug']:<16} {item['name']}  ({source}; actions: {', '.join(item['actions'])})")
    for enricher in data["enrichers"]:
        click.echo(f"{'enricher':<16} {enricher['name']}: {enricher['description']}")
    for source in data["sources"]:
        click.echo(f"{'source':<16} {source['name']}: {source['description']}")
    for queue in data["queues"]:
        click.echo(f"{'queue':<16} {queue['scheme']}://: {queue['description']}")
    for conflict in data["conflicts"]:
        click.echo(f"CONFLICT {conflict['slug']}: {conflict['error']}", err=True)
    for failure in data["failed"]:
        click.echo(_failure_line(failure), err=True)
    if data["failed"]:
        raise SystemExit(EXIT_FAILED)


def _failure_line(failure: dict[str, Any]) -> str:
    """``FAILED name (distribution D V, entry point E): Error: message at file:line``."""
    where = []
    if failure["package"]:
        where.append(f"distribution {failure['package']} {failure['version']}")
    if failure["entry_point"]:
        where.append(f"entry point {failure['entry_point']}")
    source = f" ({', '.join(where)})" if where else ""
    at = f" at {failure['location']}" if failure["location"] else ""
    return f"FAILED {failure['name']}{source}: {failure['error']}{at}"
