"""``actions init``: scaffold a destination package, or add an action to one.

Templates live in ``templates/`` (``destination/`` for the package, ``action/`` for one action and
its tests, used by both commands). ``{{name}}`` placeholders are replaced in file contents and
paths; a ``.tmpl`` suffix is dropped. After rendering, the new package's own test suite runs once
with ``--snapshot-update-new-only`` so its request snapshots exist and its tests pass at once.
"""

from __future__ import annotations

import ast
import keyword
import os
import re
import subprocess
import sys
import tomllib
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import click
from actions import ConfigurationError, __version__
from actions.runtime import Registry, get_registry

from ._output import EXIT_FAILED

__all__ = [
    "ActionNames",
    "DestinationNames",
    "add_action",
    "check_names_are_free",
    "create_destination",
    "render_template",
]

_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_SLUG = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
ENTRY_POINT_GROUP = "actions.destinations"
EXAMPLE_ACTION = "Send Event"
#: Longest slug and action module name, and longest destination name: the templates keep lines
#: under 110 columns up to these.
MAX_NAME_LENGTH = 32
MAX_TITLE_LENGTH = 48


def _words(name: str) -> list[str]:
    """``"Acme analytics"``, ``"acme-analytics"`` and ``"AcmeAnalytics"`` all give ``[Acme, analytics]``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return [w for w in re.split(r"[\W_]+", spaced) if w]


#: Letters NFKD does not decompose into an ASCII letter plus accents, spelled as people do.
_SPELLED = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "Ae", "œ": "oe", "Œ": "Oe", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L"}
    | {"đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "ı": "i"}
)


def _ascii_words(name: str, words: list[str], needs: str) -> list[str]:
    """``words`` spelled in ASCII (``Café`` -> ``Cafe``): slugs and module names must be ASCII.

    Letters with no ASCII spelling (``Я``) are refused by name rather than dropped, which would
    silently make ``"Ягода"`` an empty or unrelated name.
    """
    spelled = [
        "".join(
            c for c in unicodedata.normalize("NFKD", w.translate(_SPELLED)) if not unicodedata.combining(c)
        )
        for w in words
    ]
    unspellable = sorted({c for w in spelled for c in w if not c.isascii()})
    if unspellable:
        shown = ", ".join(repr(c) for c in unspellable[:5]) + (", ..." if len(unspellable) > 5 else "")
        raise ConfigurationError(f"{name.strip()!r} has letters with no ASCII spelling ({shown}): {needs}")
    return spelled


def _title(words: list[str]) -> str:
    """The words with their first letters upper-cased: ``[acme, analytics]`` -> ``Acme Analytics``."""
    return " ".join(w[:1].upper() + w[1:] for w in words)


@dataclass(frozen=True)
class DestinationNames:
    """Every name a new destination package needs, derived from its human name."""

    name: str
    slug: str

    @classmethod
    def from_name(cls, name: str, slug: str | None = None) -> DestinationNames:
        words = _words(name)
        if not words:
            raise ConfigurationError(f"cannot make a destination name out of {name!r}: use letters or digits")
        title = _title(words)
        if len(title) > MAX_TITLE_LENGTH:
            raise ConfigurationError(f"name {title!r} is too long: at most {MAX_TITLE_LENGTH} characters")
        if not slug:
            needs = "the slug and package name must be ASCII; pass one with --slug (e.g. --slug my-vendor)"
            slug = "-".join(w.lower() for w in _ascii_words(name, words, needs))
        if len(slug) > MAX_NAME_LENGTH:
            raise ConfigurationError(
                f"slug {slug!r} is too long: at most {MAX_NAME_LENGTH} characters (use --slug)"
            )
        if not _SLUG.fullmatch(slug):
            raise ConfigurationError(
                f"invalid slug {slug!r}: use lower-case letters, digits and single hyphens, "
                "starting with a letter"
            )
        return cls(title, slug)

    @property
    def package(self) -> str:
        return "actions_" + self.slug.replace("-", "_")

    @property
    def distribution(self) -> str:
        return "action-destinations-" + self.slug

    @property
    def class_stem(self) -> str:
        return "".join(part.capitalize() for part in self.slug.split("-"))

    def variables(self) -> dict[str, str]:
        return {
            "name": self.name,
            "slug": self.slug,
            "package": self.package,
            "distribution": self.distribution,
            "settings_class": f"{self.class_stem}Settings",
            "suite_class": f"Test{self.class_stem}",
            "core_version": __version__,
        }


@dataclass(frozen=True)
class ActionNames:
    """The names of a new action: its title, key (camelCase), module and URL path."""

    title: str
    key: str
    module: str
    path: str

    @classmethod
    def from_name(cls, name: str) -> ActionNames:
        words = _words(name)
        needs = "the action's key and module name must be ASCII; name it in ASCII letters"
        spelled = _ascii_words(name, words, needs)
        if not spelled or not spelled[0][0].isalpha():
            raise ConfigurationError(f"cannot make an action name out of {name!r}: start with a letter")
        lower = [w.lower() for w in spelled]
        module = "_".join(lower)
        if len(module) > MAX_NAME_LENGTH:
            raise ConfigurationError(
                f"action name {name!r} is too long: at most {MAX_NAME_LENGTH} characters"
            )
        if keyword.iskeyword(module) or module in {"destination", "settings"}:
            raise ConfigurationError(
                f"{name!r} would make the module name {module!r}, which is taken: pick another"
            )
        return cls(
            title=_title(words),
            key=lower[0] + "".join(w.capitalize() for w in lower[1:]),
            module=module,
            path="-".join(lower),
        )

    def variables(self) -> dict[str, str]:
        return {
            "action_title": self.title,
            "action_key": self.key,
            "action_module": self.module,
            "action_path": self.path,
        }


# --- rendering ------------------------------------------------------------------------------------


def render_template(text: str, variables: Mapping[str, str]) -> str:
    """Replace ``{{name}}`` placeholders; an unknown name is an error, so template typos surface."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in variables:
            raise KeyError(f"template placeholder {{{{{name}}}}} has no value")
        return variables[name]

    return _PLACEHOLDER.sub(replace, text)


def _template_files(
    root: Traversable, prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], Traversable]]:
    found: list[tuple[tuple[str, ...], Traversable]] = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name == "__pycache__":
            continue
        if entry.is_dir():
            found += _template_files(entry, (*prefix, entry.name))
        else:
            found.append(((*prefix, entry.name), entry))
    return found


def _render_tree(kind: str, target: Path, variables: Mapping[str, str]) -> list[Path]:
    """Render ``templates/<kind>/`` into ``target``; refuses to overwrite an existing file."""
    root = files("actions_cli").joinpath("templates", kind)
    planned: list[tuple[Path, str]] = []
    for parts, entry in _template_files(root):
        rendered = [render_template(part, variables) for part in parts]
        rendered[-1] = rendered[-1].removesuffix(".tmpl")
        if rendered[-1] == "gitignore":  # stored without its dot: package-data globs skip dotfiles
            rendered[-1] = ".gitignore"
        path = target.joinpath(*rendered)
        if path.exists():
            raise ConfigurationError(f"{path} already exists; not overwriting it")
        planned.append((path, render_template(entry.read_text(encoding="utf-8"), variables)))
    for path, text in planned:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return [path for path, _ in planned]


# --- wiring a new action into the destination -------------------------------------------------------


@dataclass(frozen=True)
class _DestinationModule:
    path: Path
    tree: ast.Module
    actions_list: ast.List
    settings_module: str
    settings_class: str


def _find_destination_module(package_dir: Path) -> _DestinationModule:
    """The module whose ``Destination(...)`` call has an ``actions=[...]`` list."""
    for path in sorted(package_dir.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _calls_to(tree, "Destination"):
            keywords = {k.arg: k.value for k in node.keywords if k.arg}
            actions = keywords.get("actions")
            settings = keywords.get("settings")
            if not isinstance(actions, ast.List) or not isinstance(settings, ast.Name):
                continue
            origin = _imported_from(tree, settings.id)
            if origin is None:
                raise ConfigurationError(
                    f"{path.name}: the settings class {settings.id} must be imported from a sibling module "
                    "(as `from .settings import ...`) for `actions init action` to use it"
                )
            return _DestinationModule(path, tree, actions, origin, settings.id)
    raise ConfigurationError(
        f"no module in {package_dir} calls Destination(..., settings=<class>, actions=[...]); "
        "`actions init action` works in packages made by `actions init`"
    )


def _calls_to(tree: ast.Module, name: str) -> Iterator[ast.Call]:
    """Every call of the plain name ``name`` in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
            yield node


def _string_keyword(call: ast.Call, name: str) -> str | None:
    """The string literal passed as ``name=`` in ``call``, if it is one."""
    for kw in call.keywords:
        if kw.arg == name and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
            return kw.value.value
    return None


def _imported_from(tree: ast.Module, name: str) -> str | None:
    for node in tree.body:
        if (
            isinstance(node, ast.ImportFrom)
            and node.level == 1
            and node.module
            and any((alias.asname or alias.name) == name for alias in node.names)
        ):
            return node.module
    return None


def _wire_action(module: _DestinationModule, action: ActionNames) -> None:
    """Import the new action and append it to the ``actions=[...]`` list (sorted import, same layout)."""
    lines = module.path.read_text(encoding="utf-8").splitlines(keepends=True)
    entries = module.actions_list.elts
    closing_line = module.actions_list.end_lineno
    assert closing_line is not None
    if entries and entries[-1].lineno != module.actions_list.lineno:
        # One entry per line: add a line like the last one.
        last = entries[-1]
        indent = " " * last.col_offset
        insert_at = last.end_lineno or last.lineno
        lines.insert(insert_at, f"{indent}{action.module},\n")
    else:
        row = lines[closing_line - 1]
        col = (module.actions_list.end_col_offset or 1) - 1
        before = row[:col].rstrip()
        separator = "" if before.endswith(("[", ",")) else ","
        glue = "" if before.endswith("[") else " "
        lines[closing_line - 1] = f"{before}{separator}{glue}{action.module}{row[col:]}"
    relative = [n for n in module.tree.body if isinstance(n, ast.ImportFrom) and n.level == 1 and n.module]
    statement = f"from .{action.module} import {action.module}\n"
    following = [n for n in relative if (n.module or "") > action.module]
    if following:
        lines.insert(following[0].lineno - 1, statement)
    elif relative:
        lines.insert(relative[-1].end_lineno or relative[-1].lineno, statement)
    else:
        imports = [n for n in module.tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
        where = (imports[-1].end_lineno or 0) if imports else 0
        lines.insert(where, ("\n" if imports else "") + statement)
    module.path.write_text("".join(lines), encoding="utf-8")


def _destination_package(directory: Path) -> tuple[str, Path]:
    pyproject = directory / "pyproject.toml"
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(
            f"{pyproject}: cannot read it ({exc}); run this inside a destination package"
        ) from None
    entry_points = data.get("project", {}).get("entry-points", {}).get(ENTRY_POINT_GROUP, {})
    if not entry_points:
        raise ConfigurationError(f'{pyproject} declares no [project.entry-points."{ENTRY_POINT_GROUP}"]')
    target = str(next(iter(entry_points.values())))
    package = target.split(":")[0].split(".")[0]
    package_dir = directory / package
    if not package_dir.is_dir():
        raise ConfigurationError(f"{package_dir} (from the entry point {target!r}) is not a directory")
    return package, package_dir


# --- operations (also used by tests and docs) --------------------------------------------------------


def check_names_are_free(names: DestinationNames, registry: Registry | None = None) -> None:
    """Refuse names that an installed destination slug, distribution or import package already has.

    Installing a second ``action-destinations-amplitude`` would replace the real one, and a second
    ``actions_amplitude`` package would shadow it: both break something that works today.
    """
    registry = registry or get_registry()
    hint = "pick another name, or pass --slug"
    if names.slug in registry.destinations() or any(c.slug == names.slug for c in registry.conflicts):
        info = registry.plugin_for(names.slug)
        owner = f" by {info.package} (entry point {info.name!r})" if info and info.package else ""
        raise ConfigurationError(f"destination slug {names.slug!r} is already registered{owner}: {hint}")
    try:
        found = distribution(names.distribution)
    except PackageNotFoundError:
        pass
    else:
        raise ConfigurationError(
            f"a distribution named {names.distribution} {found.version} is already installed: {hint}"
        )
    owners = packages_distributions().get(names.package)
    if owners:
        raise ConfigurationError(
            f"the package name {names.package} is already installed (by {owners[0]}): {hint}"
        )


def create_destination(names: DestinationNames, target: Path) -> list[Path]:
    """Render a complete destination package (with one example action) into ``target``."""
    if target.exists() and any(target.iterdir()):
        raise ConfigurationError(f"{target} is not empty")
    variables = {**names.variables(), **ActionNames.from_name(EXAMPLE_ACTION).variables()}
    return _render_tree("destination", target, variables) + _render_tree("action", target, variables)


def add_action(directory: Path, action: ActionNames) -> list[Path]:
    """Add an action module and its tests to the destination package in ``directory``, and wire it in."""
    package, package_dir = _destination_package(directory)
    module = _find_destination_module(package_dir)
    if action.key in _declared_keys(package_dir):
        raise ConfigurationError(f"an action with key {action.key!r} already exists in {package}")
    variables = {
        "name": _destination_name(module.tree) or package,
        "package": package,
        "settings_class": module.settings_class,
        **action.variables(),
    }
    if module.settings_module != "settings":
        raise ConfigurationError(
            f"the settings class {module.settings_class} comes from .{module.settings_module}; "
            "`actions init action` expects it in .settings"
        )
    created = _render_tree("action", directory, variables)
    _wire_action(module, action)
    return created


def _declared_keys(package_dir: Path) -> set[str]:
    trees = [ast.parse(path.read_text(encoding="utf-8")) for path in package_dir.glob("*.py")]
    keys = (_string_keyword(call, "key") for tree in trees for call in _calls_to(tree, "Action"))
    return {key for key in keys if key is not None}


def _destination_name(tree: ast.Module) -> str | None:
    names = (_string_keyword(call, "name") for call in _calls_to(tree, "Destination"))
    return next((name for name in names if name is not None), None)


def write_snapshots(directory: Path) -> subprocess.CompletedProcess[str]:
    """Run the package's tests once, writing missing snapshots (the package need not be installed)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(directory), os.environ.get("PYTHONPATH")])),
    }
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--snapshot-update-new-only"],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _finish(directory: Path, snapshots: bool) -> None:
    if not snapshots:
        click.echo("Skipped writing snapshots: run `pytest --snapshot-update` in the package to create them.")
        return
    click.echo("Writing request snapshots (runs the new package's tests once)...")
    done = write_snapshots(directory)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-25:])
        click.echo(f"{tail}\n\nThe generated tests failed (exit {done.returncode}); see above.", err=True)
        raise SystemExit(EXIT_FAILED)
    summary = done.stdout.strip().splitlines()[-1:] or [""]
    click.echo(f"Tests pass: {summary[0]}")


# --- commands -------------------------------------------------------------------------------------


class _InitGroup(click.Group):
    """``actions init NAME`` is short for ``actions init destination NAME``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["destination", *args]
        return super().parse_args(ctx, args)


@click.group("init", cls=_InitGroup, subcommand_metavar="NAME | action NAME")
def init_group() -> None:
    """Create a destination package (NAME), or add an action to one (action NAME).

    \b
      actions init "Acme Analytics"           a new package in ./acme-analytics
      actions init action "Track Purchase"    run inside a package made by `actions init`
    """


@init_group.command("destination")
@click.argument("name")
@click.option(
    "--directory", "-d", type=click.Path(file_okay=False), help="Where to create it (default: ./SLUG)."
)
@click.option(
    "--slug", help="Command-line name of the destination (default: from NAME, e.g. acme-analytics)."
)
@click.option(
    "--no-snapshots", is_flag=True, help="Do not run the new tests to write their request snapshots."
)
def init_destination_command(name: str, directory: str | None, slug: str | None, no_snapshots: bool) -> None:
    """Create a pip-installable destination package called NAME.

    It has settings, one example action, a preset, tests (the standard suite with request
    snapshots, the action's own tests and golden conformance cases) and a README. Install it with
    `pip install -e DIR`; `actions plugins` then lists it.
    """
    names = DestinationNames.from_name(name, slug)
    check_names_are_free(names)
    target = Path(directory) if directory else Path(names.slug)
    created = create_destination(names, target)
    click.echo(f"Created {names.distribution} ({len(created)} files) in {target}")
    _finish(target, not no_snapshots)
    # The tutorial (docs/tutorial.md, step 1) shows these same commands; a test keeps them equal.
    steps = [
        f"cd {target}",
        'pip install -e ".[dev]"',
        "pytest -q",
        "actions plugins",
        f"actions describe {names.slug}",
    ]
    click.echo("\nNext:\n" + "".join(f"  {step}\n" for step in steps), nl=False)


@init_group.command("action")
@click.argument("name")
@click.option(
    "--directory",
    "-d",
    type=click.Path(file_okay=False, exists=True),
    default=".",
    show_default=True,
    help="The destination package (the folder holding its pyproject.toml).",
)
@click.option(
    "--no-snapshots", is_flag=True, help="Do not run the tests to write the new action's snapshots."
)
def init_action_command(name: str, directory: str, no_snapshots: bool) -> None:
    """Add an action called NAME to the destination package in the current directory.

    Creates the action module and its tests, and adds the action to the destination's
    `actions=[...]` list.
    """
    action = ActionNames.from_name(name)
    created = add_action(Path(directory), action)
    click.echo(f"Added action {action.key!r}: " + ", ".join(str(p) for p in created))
    _finish(Path(directory), not no_snapshots)
