"""What binding asks of protobuf's descriptors and messages: a block's child message, a scalar
stored (extensions and repeated fields included), where else a misplaced field belongs."""

from __future__ import annotations

import re

from pipecheck.i18n import _


def child_message(message, field_descriptor):
    """The sub-message a block fills: a new item of a repeated field, or the (merged) singular one."""
    if field_descriptor.is_extension:
        target = message.Extensions[field_descriptor]
        child = target.add() if is_repeated(field_descriptor) else target
    elif is_repeated(field_descriptor):
        child = getattr(message, field_descriptor.name).add()
    else:
        child = getattr(message, field_descriptor.name)
    child.SetInParent()  # an empty block still counts as set, as with Merge
    return child


def store_scalar(message, field_descriptor, value) -> None:
    if field_descriptor.type == field_descriptor.TYPE_ENUM:
        value = field_descriptor.enum_type.values_by_name[value].number
    if field_descriptor.is_extension:
        if is_repeated(field_descriptor):
            message.Extensions[field_descriptor].append(value)
        else:
            message.Extensions[field_descriptor] = value
    elif is_repeated(field_descriptor):
        getattr(message, field_descriptor.name).append(value)
    else:
        setattr(message, field_descriptor.name, value)


def store_scalars(message, field_descriptor, values: list) -> None:
    """Items of a repeated scalar field, appended in one call."""
    if field_descriptor.type == field_descriptor.TYPE_ENUM:
        values = [field_descriptor.enum_type.values_by_name[value].number for value in values]
    if field_descriptor.is_extension:
        message.Extensions[field_descriptor].extend(values)
    else:
        getattr(message, field_descriptor.name).extend(values)


def is_repeated(field_descriptor) -> bool:
    repeated = getattr(field_descriptor, "is_repeated", None)  # protobuf >= 5.29 drops .label later
    if repeated is None:
        return field_descriptor.label == field_descriptor.LABEL_REPEATED
    return bool(repeated)


def is_message(field_descriptor) -> bool:
    return field_descriptor.type in (field_descriptor.TYPE_MESSAGE, field_descriptor.TYPE_GROUP)


def homes_of(root, name: str, limit_depth: int = 6) -> list[str]:
    """Field paths (without indexes) under which a field called `name` is valid."""
    homes: list[str] = []
    seen: set[str] = set()

    def walk(descriptor, prefix: str, depth: int) -> None:
        if depth > limit_depth or descriptor.full_name in seen:
            return
        seen.add(descriptor.full_name)
        if name in descriptor.fields_by_name:
            homes.append(prefix or _("the top level"))
        for child in descriptor.fields:
            if is_message(child):
                walk(child.message_type, f"{prefix}.{child.name}" if prefix else child.name, depth + 1)
        seen.discard(descriptor.full_name)

    walk(root, "", 0)
    return sorted(homes, key=len)


def without_indexes(field_path: str) -> str:
    return re.sub(r"\[\d+\]", "", field_path)
