"""A throwaway plugin installed as pip would leave it: a module (or package) and its .dist-info with
the entry point, in a folder the test puts on ``sys.path`` or ``PYTHONPATH``."""

from __future__ import annotations

import textwrap
from pathlib import Path


def install_distribution(
    site: Path,
    distribution: str,
    module: str,
    source: str,
    *,
    entry_point: str | None = None,
    version: str = "0.1",
    package: bool = False,
) -> Path:
    """Write ``module`` (a package when ``package``) and the metadata that makes it an installed
    entry point named ``entry_point`` (default: the distribution's name); return the source file."""
    site.mkdir(parents=True, exist_ok=True)
    path = site / module / "__init__.py" if package else site / f"{module}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    target = module if package else f"{module}:plugin"
    info = site / f"{module}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {distribution}\nVersion: {version}\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        f"[actions.destinations]\n{entry_point or distribution} = {target}\n", encoding="utf-8"
    )
    return path
