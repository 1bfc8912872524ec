"""The decorators that make a plain function a rule or a fixture.

Nothing is registered as a side effect: the decorators only attach metadata, and discovery
collects decorated functions from the modules it loads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipecheck.engine.findings import SEVERITIES

FIX_SAFETY = (None, "safe", "unsafe")
META_RULES = (None, "syntax", "suppressions")
_CODE = re.compile(r"^[A-Z]{1,5}[0-9]{3,4}$")
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class CannotDecide(Exception):
    """Raised by a rule or fixture that cannot tell (a remote path, an unreadable file)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def cannot_decide(reason: str):
    """Stop the current rule with the outcome "undecided" and this reason."""
    raise CannotDecide(reason)


@dataclass(frozen=True)
class RuleSpec:
    code: str
    name: str
    severity: str
    category: str
    fix: str | None
    function: object
    params: tuple[str, ...]
    origin: str = ""
    checklist: str | None = None  # the review's sign-off item this rule's outcome pre-fills
    meta: str | None = None  # "syntax" or "suppressions": the engine decides it, the function documents it
    # name -> JSON schema with a default (see option()): thresholds a team sets in [tool.pipecheck.rule-options]
    options: dict = field(default_factory=dict, hash=False, compare=False)

    def option_values(self, chosen: dict | None) -> dict:
        """Each option's value: the one set for this rule (by code or name), else its default."""
        return {name: (chosen or {}).get(name, schema["default"]) for name, schema in self.options.items()}

    @property
    def doc(self) -> str:
        return _cleandoc(self.function)

    @property
    def summary(self) -> str:
        return self.doc.split("\n", 1)[0]

    def matches(self, selector: str) -> bool:
        """A selector is a code or code prefix (PC1), a rule name, a category, or ALL."""
        if selector == "ALL" or selector in (self.name, self.category):
            return True
        upper = selector.upper()
        return _CODE_PREFIX.match(upper) is not None and self.code.startswith(upper)


_CODE_PREFIX = re.compile(r"^[A-Z]{1,5}[0-9]*$")


@dataclass(frozen=True)
class FixtureSpec:
    name: str
    function: object
    params: tuple[str, ...]
    origin: str = ""

    @property
    def doc(self) -> str:
        return _cleandoc(self.function)


def rule(
    code: str,
    name: str,
    *,
    category: str,
    severity: str = "error",
    fix: str | None = None,
    checklist: str | None = None,
    meta: str | None = None,
    options: dict | None = None,
):
    """Declare a rule: `@rule("PC101", "num-classes-matches-label-map", category="label-map")`.

    `checklist` names the review's sign-off item the rule's outcome pre-fills (wrap it in N_()
    to translate it); `meta` marks the rules the engine itself decides ("syntax", "suppressions");
    `options` maps a parameter of the function to an option() a team can set per rule.
    """
    if not _CODE.match(code):
        raise ValueError(f"rule code {code!r} must look like PC101 (letters then 3-4 digits)")
    if not _NAME.match(name):
        raise ValueError(f"rule name {name!r} must be lower-case words joined by hyphens")
    if severity not in SEVERITIES:
        raise ValueError(f"rule {code}: severity must be one of {', '.join(SEVERITIES)}")
    if fix not in FIX_SAFETY:
        raise ValueError(f"rule {code}: fix must be None, 'safe' or 'unsafe'")
    if meta not in META_RULES:
        raise ValueError(f"rule {code}: meta must be None, 'syntax' or 'suppressions'")

    def decorate(function):
        if not (function.__doc__ or "").strip():
            raise ValueError(f"rule {code} ({function.__name__}) needs a docstring: it is the rule's documentation")
        missing = sorted(set(options or {}) - set(_parameters(function)))
        if missing:
            raise ValueError(f"rule {code}: options {missing} must be parameters of {function.__name__}")
        function.__pipecheck_rule__ = RuleSpec(
            code=code,
            name=name,
            severity=severity,
            category=category,
            fix=fix,
            function=function,
            params=_parameters(function),
            origin=_origin(function),
            checklist=checklist,
            meta=meta,
            options=dict(options or {}),
        )
        return function

    return decorate


_JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string"}


def option(default, description: str, **bounds) -> dict:
    """A rule option: its default, what it sets (wrap in N_() to translate), JSON-schema bounds.

    `@rule(..., options={"max_hours": option(24, N_("longest training, in hours"), exclusiveMinimum=0)})`
    with `max_hours` a parameter of the rule: it receives the value set in
    `[tool.pipecheck.rule-options.PC404]` (validated against this schema, exit 2 when wrong) or 24.
    """
    kind = _JSON_TYPES.get(type(default))
    if kind is None:
        raise ValueError(f"an option's default must be a bool, int, float or str, not {default!r}")
    return {"type": kind, "default": default, "description": description, **bounds}


def fixture(function=None, *, name: str | None = None):
    """Declare a fixture: a function whose result rules receive by parameter name."""

    def decorate(inner):
        inner.__pipecheck_fixture__ = FixtureSpec(
            name=name or inner.__name__, function=inner, params=_parameters(inner), origin=_origin(inner)
        )
        return inner

    return decorate(function) if function is not None else decorate


def _parameters(function) -> tuple[str, ...]:
    code = function.__code__  # cheaper than importing inspect on the lint path
    return code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]


def _origin(function) -> str:
    code = getattr(function, "__code__", None)
    return f"{code.co_filename}:{code.co_firstlineno}" if code else getattr(function, "__module__", "?")


def _cleandoc(function) -> str:
    import inspect

    return inspect.cleandoc(function.__doc__ or "")
