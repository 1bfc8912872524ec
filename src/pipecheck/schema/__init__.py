"""Find the OD API's message types: an installed package, a models checkout, or the cache.

Nothing here imports `object_detection` or TensorFlow: descriptors are read from the generated
sources (or compiled from .proto files) and loaded into a private descriptor pool.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

from pipecheck import cache
from pipecheck.errors import ExtractError, InputError
from pipecheck.i18n import N_, _

PIPELINE_TYPE = "object_detection.protos.TrainEvalPipelineConfig"
LABEL_MAP_TYPE = "object_detection.protos.StringIntLabelMap"
_REQUIRED_FILES = ("pipeline", "string_int_label_map")


def how_to_get_one() -> str:
    return _(
        "pipecheck needs the OD API's schema (its compiled protos). Install it without its pinned "
        "dependencies:\n"
        "    pip install --no-deps tf-models-research-object-detection==2.8.0.post1\n"
        "or point pipecheck at a tensorflow/models checkout with --models-dir models/research "
        "(its .proto files are compiled with grpcio-tools: pip install grpcio-tools)."
    )


SOURCE_KINDS = {"installed": N_("installed"), "checkout": N_("checkout"), "models-dir": N_("models-dir")}
GENERATIONS = (N_("old-style"), N_("new-style"), N_("compiled .proto"), N_("new-style and old-style"))


class SchemaNotFound(InputError):
    """No usable OD API schema; the message says where pipecheck looked and how to get one."""


@dataclass
class Schema:
    pipeline_class: type
    label_map_class: type
    kind: str  # "installed", "checkout" or "models-dir"
    location: Path
    generation: str  # "old-style", "new-style" or "compiled .proto"
    version: str | None = None
    from_cache: bool = False
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        values = {
            "version": f" {self.version}" if self.version else "",
            "kind": _(SOURCE_KINDS[self.kind]),
            "generation": _(self.generation),
            "location": self.location,
        }
        if self.from_cache:
            return _("object_detection{version} ({kind}, {generation}, cached) at {location}", **values)
        return _("object_detection{version} ({kind}, {generation}) at {location}", **values)

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "location": str(self.location),
            "generation": self.generation,
            "version": self.version,
            "cached": self.from_cache,
        }


@dataclass
class _Source:
    kind: str
    protos_dir: Path


def load_schema(root: Path, models_dir: Path | None = None) -> Schema:
    looked: list[str] = []
    for source in _candidate_sources(Path(root), models_dir, looked):
        try:
            return _load_from(source)
        except ExtractError as error:
            looked.append(f"{source.protos_dir}: {error}")
    where = "".join(f"\n  - {place}" for place in looked) or "\n  - " + _("nowhere (no candidates)")
    raise SchemaNotFound(_("no OD API schema found. Looked at:{where}\n{how}", where=where, how=how_to_get_one()))


def _candidate_sources(root: Path, models_dir: Path | None, looked: list[str]):
    if models_dir is not None:
        protos = _protos_dir_under(Path(models_dir))
        if protos is None:
            looked.append(_("--models-dir {path}: no object_detection/protos inside", path=models_dir))
        else:
            yield _Source("models-dir", protos)
        return
    spec = importlib.util.find_spec("object_detection")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            protos = Path(location) / "protos"
            if protos.is_dir():
                yield _Source("installed", protos)
            else:
                looked.append(_("installed object_detection at {path}: no protos/ folder", path=location))
    else:
        looked.append(_("installed packages: no object_detection package"))
    for ancestor in [root, *list(root.resolve().parents)[:3]]:
        for candidate in (ancestor / "models" / "research", ancestor / "research"):
            protos = _protos_dir_under(candidate)
            if protos is not None:
                yield _Source("checkout", protos)
                return
    looked.append(_("a models/research checkout under {root} or its parents: none", root=root))


def _protos_dir_under(folder: Path) -> Path | None:
    for candidate in (
        folder / "object_detection" / "protos",
        folder / "research" / "object_detection" / "protos",
        folder / "protos",
        folder,
    ):
        if (candidate / "pipeline.proto").exists() or (candidate / "pipeline_pb2.py").exists():
            return candidate
    return None


def _load_from(source: _Source) -> Schema:
    generated = sorted(source.protos_dir.glob("*_pb2.py"))
    generated_names = {p.name[: -len("_pb2.py")] for p in generated}
    if all(name in generated_names for name in _REQUIRED_FILES):
        inputs, generation = generated, None
    else:
        inputs = sorted(source.protos_dir.glob("*.proto"))
        if not all((source.protos_dir / f"{name}.proto").exists() for name in _REQUIRED_FILES):
            raise ExtractError(_("neither compiled *_pb2.py nor .proto files for pipeline and string_int_label_map"))
        generation = "compiled .proto"

    key = cache.key_for("schema", *(cache.file_stamp(p) for p in inputs))
    classes = _from_cache(key)
    from_cache = classes is not None
    if classes is not None:
        pipeline_class, label_map_class, generation = classes
    else:
        from pipecheck.schema.extract import descriptor_from_generated_module, descriptors_from_proto_files

        if generation == "compiled .proto":
            serialized = descriptors_from_proto_files(source.protos_dir.parent.parent, inputs)
        else:
            serialized, generations = [], set()
            for path in inputs:
                data, style = descriptor_from_generated_module(path)
                serialized.append(data)
                generations.add(style)
            generation = " and ".join(sorted(generations))
        ordered = _dependency_order(serialized)
        pipeline_class, label_map_class = _message_classes(ordered)
        cache.write("schema", key, _pack(ordered, generation))
    return Schema(
        pipeline_class=pipeline_class,
        label_map_class=label_map_class,
        kind=source.kind,
        location=source.protos_dir,
        generation=generation,
        version=_installed_version(source.protos_dir) if source.kind == "installed" else None,
        from_cache=from_cache,
    )


def _from_cache(key: str) -> tuple[type, type, str] | None:
    """The classes from a cached entry; None when there is none or it is damaged (it is then rebuilt)."""
    blob = cache.read("schema", key)
    if blob is None:
        return None
    try:
        ordered, generation = _unpack(blob)
        return (*_message_classes(ordered), generation)
    except Exception:  # whatever a damaged descriptor makes protobuf raise: the cache must never break a run
        return None


def _dependency_order(serialized: list[bytes]) -> list[bytes]:
    """The files with each one after those it imports; well-known types taken from protobuf itself."""
    from google.protobuf import descriptor_pb2, descriptor_pool

    files = {}
    for data in serialized:
        proto = descriptor_pb2.FileDescriptorProto.FromString(data)
        files[proto.name] = (data, proto)
    ordered: list[bytes] = []
    added: set[str] = set()

    def add(name: str) -> None:
        if name in added:
            return
        added.add(name)
        if name not in files:
            try:
                ordered.append(descriptor_pool.Default().FindFileByName(name).serialized_pb)
            except KeyError:
                raise ExtractError(_("{name} is imported but missing", name=name)) from None
            return
        data, proto = files[name]
        for dependency in proto.dependency:
            add(dependency)
        ordered.append(data)

    for name in files:
        add(name)
    return ordered


def _message_classes(ordered: list[bytes]) -> tuple[type, type]:
    from google.protobuf import descriptor_pool

    pool = descriptor_pool.DescriptorPool()
    try:
        for data in ordered:
            pool.AddSerializedFile(data)
        return (
            _message_class(pool.FindMessageTypeByName(PIPELINE_TYPE)),
            _message_class(pool.FindMessageTypeByName(LABEL_MAP_TYPE)),
        )
    except (TypeError, KeyError) as error:
        raise ExtractError(_("the descriptors do not load ({error})", error=error)) from None


def _message_class(descriptor) -> type:
    from google.protobuf import message_factory

    if hasattr(message_factory, "GetMessageClass"):  # protobuf >= 4.22
        return message_factory.GetMessageClass(descriptor)
    return message_factory.MessageFactory(descriptor.file.pool).GetPrototype(descriptor)


def _pack(ordered: list[bytes], generation: str) -> bytes:
    """generation, newline, then each file as a 4-byte length and its bytes, in dependency order."""
    return generation.encode() + b"\n" + b"".join(len(d).to_bytes(4, "little") + d for d in ordered)


def _unpack(blob: bytes) -> tuple[list[bytes], str]:
    generation, _, payload = blob.partition(b"\n")
    ordered, position = [], 0
    while position < len(payload):
        size = int.from_bytes(payload[position : position + 4], "little")
        ordered.append(payload[position + 4 : position + 4 + size])
        position += 4 + size
    return ordered, generation.decode()


def _installed_version(protos_dir: Path) -> str | None:
    site = protos_dir.parent.parent
    for pattern in ("*object_detection*.dist-info", "*object_detection*.egg-info", "object_detection-*.dist-info"):
        for meta in sorted(site.glob(pattern)):
            stem = meta.name.rsplit(".", 1)[0]
            if "-" in stem:
                return stem.split("-", 1)[1]
    return None
