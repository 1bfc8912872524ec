"""Give rules their arguments by name, computing each fixture once, lazily."""

from __future__ import annotations

import difflib

from pipecheck.engine.registry import CannotDecide, FixtureSpec, RuleSpec
from pipecheck.errors import InputError
from pipecheck.i18n import _


class FixtureError(InputError):
    """A rule asks for a fixture that does not exist, or fixtures depend on each other in a loop."""


class FatalInput(Exception):
    """The input itself is unusable (config does not parse, no schema): the run stops, exit 2."""

    def __init__(self, finding):
        super().__init__(finding.message)
        self.finding = finding


class _Failed:
    def __init__(self, error: BaseException):
        self.error = error


class FixtureResolver:
    def __init__(self, fixtures: dict[str, FixtureSpec], given: dict[str, object] | None = None):
        self.fixtures = fixtures
        self.values: dict[str, object] = dict(given or {})
        self._resolving: list[str] = []

    def known_names(self) -> list[str]:
        return sorted(set(self.fixtures) | set(self.values))

    def check_rule(self, spec: RuleSpec) -> None:
        for name in spec.params:
            if name in spec.options:
                continue
            self._check_name(name, _("rule {code} ({origin})", code=spec.code, origin=spec.origin))
        for name, fixture in self.fixtures.items():
            for param in fixture.params:
                self._check_name(param, _("fixture {name} ({origin})", name=name, origin=fixture.origin))

    def _check_name(self, name: str, who: str) -> None:
        if name in self.fixtures or name in self.values:
            return
        close = difflib.get_close_matches(name, self.known_names(), n=1)
        if close:
            raise FixtureError(
                _(
                    "{who} asks for an unknown fixture {name!r}; did you mean {close!r}?",
                    who=who,
                    name=name,
                    close=close[0],
                )
            )
        raise FixtureError(_("{who} asks for an unknown fixture {name!r}", who=who, name=name))

    def get(self, name: str):
        if name in self.values:
            value = self.values[name]
            if isinstance(value, _Failed):
                raise value.error
            return value
        if name in self._resolving:
            loop = " -> ".join(self._resolving + [name])
            raise FixtureError(_("fixtures depend on each other in a loop: {loop}", loop=loop))
        spec = self.fixtures[name]
        self._resolving.append(name)
        try:
            value = spec.function(**self._arguments(spec.function, spec.params))
        except (CannotDecide, FatalInput) as error:
            self.values[name] = _Failed(error)
            raise
        finally:
            self._resolving.pop()
        self.values[name] = value
        return value

    def call(self, spec: RuleSpec):
        """The rule's result, given its fixtures and its options' values (set in the settings, or defaults)."""
        arguments = self._arguments(spec.function, tuple(p for p in spec.params if p not in spec.options))
        if spec.options:
            chosen = getattr(self.values.get("settings"), "rule_options", {})
            arguments.update(spec.option_values({**chosen.get(spec.name, {}), **chosen.get(spec.code, {})}))
        return spec.function(**arguments)

    def _arguments(self, function, params: tuple[str, ...]) -> dict:
        """A parameter with a default (`records=None`) gets its default when its fixture cannot decide."""
        optional = _optional_parameters(function)
        arguments = {}
        for name in params:
            try:
                arguments[name] = self.get(name)
            except CannotDecide:
                if name not in optional:
                    raise
        return arguments


def _optional_parameters(function) -> tuple[str, ...]:
    code, defaults = function.__code__, function.__defaults__ or ()
    return code.co_varnames[code.co_argcount - len(defaults) : code.co_argcount]
