"""What to say of a field the schema does not know: did you mean, the blocks it belongs in, a brace moved."""

from __future__ import annotations

import difflib

from pipecheck.i18n import _
from pipecheck.textproto.descriptors import homes_of, without_indexes
from pipecheck.textproto.tokens import TextProtoSyntaxError


def unknown_field_error(binder, node, descriptor, prefix: str) -> TextProtoSyntaxError:
    where = prefix or _("the top level")
    close = difflib.get_close_matches(node.name, list(descriptor.fields_by_name), n=1, cutoff=0.75)
    if close:
        hint = _("did you mean {name}?", name=close[0])
    else:
        homes = homes_of(binder.root, node.name)
        hint = (
            _(
                "{name} belongs in {homes}; a closing brace may be missing or misplaced above",
                name=node.name,
                homes=", ".join(homes[:3]),
            )
            if homes and _brace_could_move(binder, node, homes, prefix)
            else _(
                "delete it: this OD API version knows {name} only in {homes} (a field of another version?)",
                name=node.name,
                homes=", ".join(homes[:3]),
            )
            if homes
            else _(
                "{where} ({type}) has: {fields}",
                where=where,
                type=descriptor.name,
                fields=", ".join(sorted(descriptor.fields_by_name)[:12]),
            )
        )
    problem = binder.error(
        node,
        _(
            '{type} has no field named "{name}" (in {where})',
            type=descriptor.full_name,
            name=node.name,
            where=where,
        ),
        hint=hint,
    )
    problem.cause = f"unknown field {descriptor.full_name}.{node.name}"
    return problem


def _brace_could_move(binder, node, homes: list[str], prefix: str) -> bool:
    """A brace missing puts a field below the block it names; one closed early, above: a home up or down the path."""
    here = without_indexes(prefix)
    above = any(node.name in descriptor.fields_by_name for descriptor in binder.stack[:-1])
    return above or any(home.startswith(f"{here}.") or not here for home in homes)
