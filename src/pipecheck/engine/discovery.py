"""Find rules and fixtures: the built-in rules folder, users' rules_dirs, plugin entry points.

The built-in rules go through exactly the path a user's rules folder does.
"""

from __future__ import annotations

import importlib
import os
import sys
import types
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from pipecheck import cache
from pipecheck.engine.registry import FixtureSpec, RuleSpec
from pipecheck.errors import InputError
from pipecheck.i18n import _

ENTRY_POINT_GROUP = "pipecheck.rules"


class DiscoveryError(InputError):
    """A rules folder or plugin cannot be loaded, or two rules share a code (exit 2)."""


@dataclass
class Catalogue:
    rules: list[RuleSpec] = field(default_factory=list)
    fixtures: dict[str, FixtureSpec] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)

    def add_module(self, module: types.ModuleType) -> None:
        for value in vars(module).values():
            if getattr(value, "__module__", None) != module.__name__:
                continue  # imported from elsewhere: collected where it is defined
            spec = getattr(value, "__pipecheck_rule__", None)
            if isinstance(spec, RuleSpec):
                self.add_rule(spec)
            fixture_spec = getattr(value, "__pipecheck_fixture__", None)
            if isinstance(fixture_spec, FixtureSpec):
                self.add_fixture(fixture_spec)

    def add_fixture(self, spec: FixtureSpec) -> None:
        existing = self.fixtures.get(spec.name)
        if existing is not None and existing.function is not spec.function:
            raise DiscoveryError(
                _(
                    "fixture {name!r} ({origin}) would shadow the fixture of the same name defined at "
                    "{other_origin}: rename one of them",
                    name=spec.name,
                    origin=spec.origin,
                    other_origin=existing.origin,
                )
            )
        self.fixtures[spec.name] = spec

    def add_rule(self, spec: RuleSpec) -> None:
        for existing in self.rules:
            if existing.code == spec.code or existing.name == spec.name:
                raise DiscoveryError(
                    _(
                        "rule {code} {name} ({origin}) clashes with {other_code} {other_name} ({other_origin})",
                        code=spec.code,
                        name=spec.name,
                        origin=spec.origin,
                        other_code=existing.code,
                        other_name=existing.name,
                        other_origin=existing.origin,
                    )
                )
        self.rules.append(spec)


def builtin_rules_dir() -> Path:
    """The packaged copy of rules/ in a wheel, or rules/ beside src/ in a checkout."""
    packaged = Path(__file__).resolve().parent.parent / "builtin_rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "rules"


def discover(rules_dirs: list[Path], builtin: bool = True, plugins: bool = True) -> Catalogue:
    from pipecheck.engine import artifact_fixtures, builtin_fixtures, meta_rules

    catalogue = Catalogue()
    catalogue.add_module(builtin_fixtures)
    catalogue.add_module(artifact_fixtures)
    catalogue.add_module(meta_rules)
    folders = ([builtin_rules_dir()] if builtin else []) + [Path(d) for d in rules_dirs]
    for folder in folders:
        load_rules_dir(folder, catalogue)
    if plugins:
        _load_entry_points(catalogue)
    catalogue.rules.sort(key=lambda spec: spec.code)
    return catalogue


def load_rules_dir(folder: Path, catalogue: Catalogue) -> None:
    """Import every public module of a folder as one package, so rules can share _helpers."""
    folder = folder.resolve()
    if not folder.is_dir():
        raise DiscoveryError(_("rules folder {folder} does not exist", folder=folder))
    package_name = f"pipecheck_rules_{zlib.crc32(str(folder).encode()):08x}"
    if package_name not in sys.modules:
        package = types.ModuleType(package_name)
        package.__path__ = [str(folder)]
        package.__file__ = str(folder / "__init__.py")
        sys.modules[package_name] = package
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith("_"):
            continue
        try:
            module = importlib.import_module(f"{package_name}.{path.stem}")
        except Exception as error:  # a user's broken rule file must not become a traceback
            line = getattr(error, "lineno", None) or _traceback_line(error, path)
            where = f"{path}:{line}" if line else str(path)
            raise DiscoveryError(
                _("{where}: cannot load rules: {kind}: {error}", where=where, kind=type(error).__name__, error=error)
            ) from None
        catalogue.add_module(module)
    catalogue.sources.append(str(folder))


def _traceback_line(error: Exception, path: Path) -> int | None:
    trace = error.__traceback__
    line = None
    while trace is not None:
        if Path(trace.tb_frame.f_code.co_filename).resolve() == path.resolve():
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


def _load_entry_points(catalogue: Catalogue) -> None:
    for name, value in plugin_entry_points():
        try:
            loaded = _load_object(value)
        except Exception as error:
            raise DiscoveryError(
                _(
                    "plugin {name} ({value}) failed to load: {kind}: {error}",
                    name=name,
                    value=value,
                    kind=type(error).__name__,
                    error=error,
                )
            ) from None
        if isinstance(loaded, types.ModuleType):
            catalogue.add_module(loaded)
        elif isinstance(loaded, (str, Path)):
            load_rules_dir(Path(loaded), catalogue)
        else:
            raise DiscoveryError(_("plugin {name}: entry point must name a module or a folder", name=name))
        catalogue.sources.append(f"plugin {name}")


def plugin_entry_points() -> list[tuple[str, str]]:
    """(name, value) of the pipecheck.rules entry points installed.

    importlib.metadata costs 20 ms to import, a fifth of a lint, so the answer is cached,
    keyed on the modification times of the sys.path folders (installing or removing a
    distribution changes its folder's).
    """
    stamps = []
    for entry in sys.path:
        try:
            stamps.append(f"{entry}:{os.stat(entry or '.').st_mtime_ns}")
        except OSError:
            stamps.append(f"{entry}:-")
    key = cache.key_for("entry-points", *stamps)
    cached = cache.read("plugins", key)
    if cached is not None:
        try:
            lines = cached.decode("utf-8").splitlines()
        except UnicodeDecodeError:
            lines = ["damaged"]
        if all(line.count("\t") == 1 for line in lines):  # else a damaged entry: ask importlib again
            return [tuple(line.split("\t", 1)) for line in lines]
    from importlib.metadata import entry_points

    found = [(point.name, point.value) for point in entry_points(group=ENTRY_POINT_GROUP)]
    cache.write("plugins", key, "".join(f"{name}\t{value}\n" for name, value in found).encode())
    return found


def _load_object(value: str):
    """Import what an entry point names: `module` or `module:attribute.path`."""
    module_name, _, attribute = value.split("[", 1)[0].strip().partition(":")
    loaded = importlib.import_module(module_name.strip())
    for part in filter(None, attribute.strip().split(".")):
        loaded = getattr(loaded, part)
    return loaded
