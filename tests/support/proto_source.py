"""Write .proto source back from compiled descriptors, to make a models/research checkout for tests.

tensorflow/models cannot be fetched here; the installed OD API's descriptors are the same
definitions, so printing them as .proto files gives a faithful checkout of the protos folder.
Covers what the OD API's protos use: proto2, nested messages and enums, oneofs, maps,
defaults, packed/deprecated options, extension ranges and extensions.
"""

from __future__ import annotations

from pathlib import Path

_LABELS = {1: "optional", 2: "required", 3: "repeated"}
_SCALARS = {
    1: "double",
    2: "float",
    3: "int64",
    4: "uint64",
    5: "int32",
    6: "fixed64",
    7: "fixed32",
    8: "bool",
    9: "string",
    12: "bytes",
    13: "uint32",
    15: "sfixed32",
    16: "sfixed64",
    17: "sint32",
    18: "sint64",
}


def write_proto_sources(serialized_files: list[bytes], research_dir: Path) -> list[Path]:
    from google.protobuf import descriptor_pb2

    written = []
    for data in serialized_files:
        file = descriptor_pb2.FileDescriptorProto.FromString(data)
        if file.name.startswith("google/"):
            continue
        target = research_dir / file.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_file_source(file))
        written.append(target)
    return written


def _file_source(file) -> str:
    lines = [f'syntax = "{file.syntax or "proto2"}";', "", f"package {file.package};", ""]
    lines += [f'import "{dependency}";' for dependency in file.dependency]
    lines.append("")
    for enum in file.enum_type:
        lines += _enum(enum, "")
    for message in file.message_type:
        lines += _message(message, "")
    for extension in file.extension:
        lines += [f"extend {extension.extendee} {{", "  " + _field(extension, None), "}"]
    return "\n".join(lines) + "\n"


def _enum(enum, indent: str) -> list[str]:
    lines = [f"{indent}enum {enum.name} {{"]
    lines += [f"{indent}  {value.name} = {value.number};" for value in enum.value]
    return lines + [f"{indent}}}"]


def _message(message, indent: str) -> list[str]:
    lines = [f"{indent}message {message.name} {{"]
    maps = {nested.name: nested for nested in message.nested_type if nested.options.map_entry}
    for nested in message.nested_type:
        if nested.name not in maps:
            lines += _message(nested, indent + "  ")
    for enum in message.enum_type:
        lines += _enum(enum, indent + "  ")
    oneofs: dict[int, list] = {}
    for field in message.field:
        if field.HasField("oneof_index"):
            oneofs.setdefault(field.oneof_index, []).append(field)
        else:
            lines.append(indent + "  " + _field(field, maps))
    for index, fields in oneofs.items():
        lines.append(f"{indent}  oneof {message.oneof_decl[index].name} {{")
        lines += [indent + "    " + _field(field, maps, in_oneof=True) for field in fields]
        lines.append(f"{indent}  }}")
    for extension_range in message.extension_range:
        end = "max" if extension_range.end >= 536870912 else str(extension_range.end - 1)
        lines.append(f"{indent}  extensions {extension_range.start} to {end};")
    for extension in message.extension:
        lines += [
            f"{indent}  extend {extension.extendee} {{",
            indent + "    " + _field(extension, None),
            f"{indent}  }}",
        ]
    return lines + [f"{indent}}}"]


def _field(field, maps, in_oneof: bool = False) -> str:
    kind = _SCALARS.get(field.type) or field.type_name
    entry_name = field.type_name.rsplit(".", 1)[-1]
    if maps and entry_name in maps and field.label == 3:
        key, value = maps[entry_name].field[0], maps[entry_name].field[1]
        prefix = f"map<{_SCALARS.get(key.type) or key.type_name}, {_SCALARS.get(value.type) or value.type_name}>"
    else:
        prefix = kind if in_oneof else f"{_LABELS[field.label]} {kind}"
    options = []
    if field.HasField("default_value"):
        default = field.default_value
        options.append(f'default = "{default}"' if field.type in (9, 12) else f"default = {default}")
    if field.options.HasField("packed"):
        options.append(f"packed = {'true' if field.options.packed else 'false'}")
    if field.options.deprecated:
        options.append("deprecated = true")
    suffix = f" [{', '.join(options)}]" if options else ""
    return f"{prefix} {field.name} = {field.number}{suffix};"
