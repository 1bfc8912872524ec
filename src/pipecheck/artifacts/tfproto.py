"""The few TensorFlow message types pipecheck reads, declared here so TensorFlow is not needed.

Field numbers match tensorflow/core/example/{example,feature}.proto,
tensorflow/core/protobuf/tensor_bundle.proto and trackable_object_graph.proto and, for training's event files,
tensorflow/core/util/event.proto, summary.proto and tensor.proto, so the bytes are the same; the package name is
private (`pipecheck.tf`) so these never clash with TensorFlow's own types in one process.
"""

from __future__ import annotations

from functools import cache

_OPTIONAL, _REPEATED = 1, 3
_TYPES = {
    "double": 1,
    "int32": 5,
    "int64": 3,
    "uint32": 13,
    "fixed32": 7,
    "float": 2,
    "bool": 8,
    "string": 9,
    "bytes": 12,
    "enum": 14,
    "message": 11,
}

# message name -> [(field name, number, label, type, type name or None, packed)]
_MESSAGES = {
    "BytesList": [("value", 1, _REPEATED, "bytes", None, False)],
    "FloatList": [("value", 1, _REPEATED, "float", None, True)],
    "Int64List": [("value", 1, _REPEATED, "int64", None, True)],
    "Feature": [
        ("bytes_list", 1, _OPTIONAL, "message", "BytesList", False),
        ("float_list", 2, _OPTIONAL, "message", "FloatList", False),
        ("int64_list", 3, _OPTIONAL, "message", "Int64List", False),
    ],
    "Features": [("feature", 1, _REPEATED, "message", "Features.FeatureEntry", False)],
    "Example": [("features", 1, _OPTIONAL, "message", "Features", False)],
    "VersionDef": [
        ("producer", 1, _OPTIONAL, "int32", None, False),
        ("min_consumer", 2, _OPTIONAL, "int32", None, False),
        ("bad_consumers", 3, _REPEATED, "int32", None, True),
    ],
    "BundleHeaderProto": [
        ("num_shards", 1, _OPTIONAL, "int32", None, False),
        ("endianness", 2, _OPTIONAL, "int32", None, False),
        ("version", 3, _OPTIONAL, "message", "VersionDef", False),
    ],
    "TensorShapeProto": [
        ("dim", 2, _REPEATED, "message", "TensorShapeProto.Dim", False),
        ("unknown_rank", 3, _OPTIONAL, "bool", None, False),
    ],
    "BundleEntryProto": [
        ("dtype", 1, _OPTIONAL, "int32", None, False),
        ("shape", 2, _OPTIONAL, "message", "TensorShapeProto", False),
        ("shard_id", 3, _OPTIONAL, "int32", None, False),
        ("offset", 4, _OPTIONAL, "int64", None, False),
        ("size", 5, _OPTIONAL, "int64", None, False),
        ("crc32c", 6, _OPTIONAL, "fixed32", None, False),
    ],
    "TensorProto": [
        ("dtype", 1, _OPTIONAL, "int32", None, False),
        ("tensor_shape", 2, _OPTIONAL, "message", "TensorShapeProto", False),
        ("tensor_content", 4, _OPTIONAL, "bytes", None, False),
        ("float_val", 5, _REPEATED, "float", None, True),
        ("double_val", 6, _REPEATED, "double", None, True),
    ],
    # tensorflow/core/protobuf/trackable_object_graph.proto: what a TF2 checkpoint restores through.
    "TrackableObjectGraph": [("nodes", 1, _REPEATED, "message", "TrackableObject", False)],
    "TrackableObject": [
        ("children", 1, _REPEATED, "message", "ObjectReference", False),
        ("attributes", 2, _REPEATED, "message", "SerializedTensor", False),
    ],
    "ObjectReference": [
        ("node_id", 1, _OPTIONAL, "int32", None, False),
        ("local_name", 2, _OPTIONAL, "string", None, False),
    ],
    "SerializedTensor": [
        ("name", 1, _OPTIONAL, "string", None, False),
        ("full_name", 2, _OPTIONAL, "string", None, False),
        ("checkpoint_key", 3, _OPTIONAL, "string", None, False),
    ],
    "Summary": [("value", 1, _REPEATED, "message", "Summary.Value", False)],
    "Event": [
        ("wall_time", 1, _OPTIONAL, "double", None, False),
        ("step", 2, _OPTIONAL, "int64", None, False),
        ("file_version", 3, _OPTIONAL, "string", None, False),
        ("summary", 5, _OPTIONAL, "message", "Summary", False),
    ],
}
_NESTED = {
    "Features": (
        "FeatureEntry",
        [("key", 1, _OPTIONAL, "string", None, False), ("value", 2, _OPTIONAL, "message", "Feature", False)],
        True,
    ),
    "TensorShapeProto": (
        "Dim",
        [("size", 1, _OPTIONAL, "int64", None, False), ("name", 2, _OPTIONAL, "string", None, False)],
        False,
    ),
    "Summary": (
        "Value",
        [
            ("tag", 1, _OPTIONAL, "string", None, False),
            ("simple_value", 2, _OPTIONAL, "float", None, False),
            ("tensor", 8, _OPTIONAL, "message", "TensorProto", False),
        ],
        False,
    ),
}
_ONEOFS = {"Feature": "kind"}

# TensorFlow DataType enum values (types.proto) for the dtypes checkpoints hold.
DTYPES = {
    1: "float32",
    2: "float64",
    3: "int32",
    4: "uint8",
    5: "int16",
    6: "int8",
    7: "string",
    9: "int64",
    10: "bool",
    14: "bfloat16",
    17: "uint16",
    19: "float16",
    22: "uint32",
    23: "uint64",
}
DTYPE_SIZES = {
    "float32": 4,
    "float64": 8,
    "int32": 4,
    "uint8": 1,
    "int16": 2,
    "int8": 1,
    "int64": 8,
    "bool": 1,
    "bfloat16": 2,
    "uint16": 2,
    "float16": 2,
    "uint32": 4,
    "uint64": 8,
}


def _add_fields(message, fields) -> None:
    for name, number, label, kind, type_name, packed in fields:
        field = message.field.add(name=name, number=number, label=label, type=_TYPES[kind])
        if type_name:
            field.type_name = f".pipecheck.tf.{type_name}"
        if packed:
            field.options.packed = True
        if message.name in _ONEOFS and kind == "message":
            field.oneof_index = 0


@cache
def message_classes() -> dict[str, type]:
    from google.protobuf import descriptor_pb2, descriptor_pool

    from pipecheck.schema import _message_class

    file = descriptor_pb2.FileDescriptorProto(name="pipecheck/tf.proto", package="pipecheck.tf", syntax="proto2")
    for name, fields in _MESSAGES.items():
        message = file.message_type.add(name=name)
        if name in _ONEOFS:
            message.oneof_decl.add(name=_ONEOFS[name])
        if name in _NESTED:
            nested_name, nested_fields, is_map = _NESTED[name]
            nested = message.nested_type.add(name=nested_name)
            if is_map:
                nested.options.map_entry = True
            _add_fields(nested, nested_fields)
        _add_fields(message, fields)
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(file.SerializeToString())
    return {name: _message_class(pool.FindMessageTypeByName(f"pipecheck.tf.{name}")) for name in _MESSAGES}
