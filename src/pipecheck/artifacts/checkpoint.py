"""Read a TF checkpoint's `.index` (a tensor bundle) and check its data shards, without TensorFlow.

The index is an SSTable (see sstable.py): key "" holds a BundleHeaderProto, every other key a
variable name with its BundleEntryProto (dtype, shape, shard, offset, size, masked CRC-32C).
`tf.train.list_variables` reads the same table; the OD API's is_object_based_checkpoint is just
"_CHECKPOINTABLE_OBJECT_GRAPH in the names".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipecheck.artifacts.checkpoint_shards import check_shards, data_file, string_tensor_value
from pipecheck.i18n import _

OBJECT_GRAPH = "_CHECKPOINTABLE_OBJECT_GRAPH"
# Attributes of the OD API's meta-architectures under which a saved detection model keeps its
# parts (meta_architectures/*_meta_arch.py), i.e. the first names after "model/".
META_ARCH_MARKERS = {
    "faster_rcnn": (
        "_first_stage_box_predictor",
        "_mask_rcnn_box_predictor",
        "_feature_extractor_for_proposal_features",
    ),
    "ssd": ("_box_predictor",),
    "center_net": ("_prediction_head_dict",),
}


@dataclass
class CheckpointFacts:
    prefix: str
    num_shards: int = 0
    entries: list[dict] = field(default_factory=list)  # name, dtype, shape, shard, offset, size
    problems: list[dict] = field(default_factory=list)  # kind, message
    readable: bool = True
    # The object graph TF2 restores through: its node count, and the variables under each child of the
    # root and of root/model ("model/_feature_extractor": 265). None: not read (TF1, or unreadable).
    graph_nodes: int | None = None
    graph_variables: dict | None = None

    @property
    def names(self) -> list[str]:
        return [entry["name"] for entry in self.entries]

    @property
    def object_based(self) -> bool:
        return OBJECT_GRAPH in self.names

    @property
    def kind(self) -> str:
        """detection (a saved detection model), classification (a backbone), tf1, or unknown."""
        names = self.names
        if not self.readable:
            return "unknown"
        if not self.object_based:
            return "tf1"
        if any(name.startswith("model/") for name in names):
            return "detection"
        if any(name.startswith("feature_extractor/") for name in names):
            return "classification"
        return "unknown"

    @property
    def meta_architecture(self) -> str | None:
        heads = {name.split("/", 2)[1] for name in self.names if name.startswith("model/") and name.count("/") >= 2}
        for arch, markers in META_ARCH_MARKERS.items():
            if heads & set(markers):
                return arch
        return None

    @property
    def parameters(self) -> int:
        total = 0
        for entry in self.entries:
            if (
                entry["dtype"] in ("float32", "float16", "bfloat16", "float64")
                and "/.OPTIMIZER_SLOT/" not in entry["name"]
            ):
                count = 1
                for size in entry["shape"]:
                    count *= size
                total += count
        return total

    def as_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> CheckpointFacts:
        return cls(**data)


def read_checkpoint(prefix: Path, verify_data: bool = True) -> CheckpointFacts:
    from pipecheck.artifacts.sstable import TableError, read_table
    from pipecheck.guarded import INDEX_LIMIT, read_bytes

    prefix = Path(prefix)
    facts = CheckpointFacts(str(prefix))
    index = Path(f"{prefix}.index")
    try:
        table = read_table(read_bytes(index, INDEX_LIMIT))
    except OSError as error:
        facts.readable = False
        facts.problems.append(
            {
                "kind": "index-unreadable",
                "message": _("{file}: {error}", file=index.name, error=error.strerror or error),
            }
        )
        return facts
    except TableError as error:
        facts.readable = False
        message = (
            _("{file} at byte {offset}: {error}", file=index.name, offset=error.offset, error=error)
            if error.offset is not None and error.offset >= 0
            else _("{file}: {error}", file=index.name, error=error)
        )
        facts.problems.append({"kind": "index-unreadable", "message": message})
        return facts
    _read_entries(facts, table, index.name)
    if facts.readable:
        check_shards(facts, prefix, verify_data)
    if facts.readable and facts.object_based and not facts.problems:
        _read_object_graph(facts, prefix)
    return facts


def _read_entries(facts: CheckpointFacts, table, index_name: str) -> None:
    from pipecheck.artifacts.tfproto import DTYPES, message_classes

    classes = message_classes()
    header_seen = False
    for key, value in table:
        try:
            if key == b"":
                header = classes["BundleHeaderProto"].FromString(value)
                header_seen, facts.num_shards = True, header.num_shards
                if header.endianness != 0:
                    facts.problems.append({"kind": "header", "message": _("the checkpoint is big-endian")})
                continue
            entry = classes["BundleEntryProto"].FromString(value)
        except Exception:  # DecodeError, whatever the protobuf backend calls it
            facts.readable = False
            what = _("the header") if key == b"" else _("the entry of {name}", name=key.decode("utf-8", "replace"))
            facts.problems.append(
                {
                    "kind": "index-unreadable",
                    "message": _("{file}: {what} does not decode (a damaged index)", file=index_name, what=what),
                }
            )
            return
        facts.entries.append(
            {
                "name": key.decode("utf-8", "replace"),
                "dtype": DTYPES.get(entry.dtype, str(entry.dtype)),
                "shape": [d.size for d in entry.shape.dim],
                "shard": entry.shard_id,
                "offset": entry.offset,
                "size": entry.size,
                "crc32c": entry.crc32c,
            }
        )
    if not header_seen or facts.num_shards < 1:
        facts.readable = False
        facts.problems.append(
            {
                "kind": "header",
                "message": _(
                    "{file}: the header says num_shards {count}; a checkpoint has at least one data file",
                    file=index_name,
                    count=facts.num_shards if header_seen else _("(no header)"),
                ),
            }
        )


def _read_object_graph(facts: CheckpointFacts, prefix: Path) -> None:
    from google.protobuf.message import DecodeError

    from pipecheck.artifacts.tfproto import message_classes
    from pipecheck.guarded import RECORD_LIMIT, open_regular

    entry = next(e for e in facts.entries if e["name"] == OBJECT_GRAPH)
    if entry["size"] > RECORD_LIMIT:  # an index can claim any size: read no more than a record's worth
        return
    try:
        with open_regular(data_file(prefix, entry["shard"], facts.num_shards)) as data:
            data.seek(entry["offset"])
            serialized = string_tensor_value(data.read(entry["size"]))
    except OSError:
        return  # the shard's own problems are PC302's and PC310's
    if serialized is None:
        return
    try:
        graph = message_classes()["TrackableObjectGraph"].FromString(serialized)
    except DecodeError:
        return
    facts.graph_nodes = len(graph.nodes)
    facts.graph_variables = {}
    if not graph.nodes:
        return
    tops = [(child.local_name, child.node_id) for child in graph.nodes[0].children]
    model = next((node for name, node in tops if name == "model"), None)
    if model is not None and model < len(graph.nodes):
        tops += [(f"model/{child.local_name}", child.node_id) for child in graph.nodes[model].children]
    for name, node in tops:
        facts.graph_variables[name] = _variables_under(graph, node)


def _variables_under(graph, start: int) -> int:
    """Tensors saved under a node of the object graph, each node counted once (the graph can share them)."""
    seen, stack, count = set(), [start], 0
    while stack:
        node = stack.pop()
        if node in seen or node >= len(graph.nodes):
            continue
        seen.add(node)
        count += len(graph.nodes[node].attributes)
        stack += [child.node_id for child in graph.nodes[node].children]
    return count


def backbone_family(facts: CheckpointFacts) -> str | None:
    """The backbone's family from kernel shapes (Keras layouts: height, width, in, out).

    EfficientNet is the one with 5x5 depthwise kernels, MobileNet has 3x3 depthwise ones, ResNet
    a 7x7 stem of 64 filters, Hourglass a 7x7 stem of 128, Inception-ResNet 1x7 kernels.
    """
    kernels = {
        tuple(e["shape"]) for e in facts.entries if len(e["shape"]) == 4 and "/.OPTIMIZER_SLOT/" not in e["name"]
    }
    if any(k[0] == k[1] == 5 and k[3] == 1 for k in kernels):
        return "efficientnet"
    if any(k[0] == k[1] == 3 and k[3] == 1 for k in kernels):
        return "mobilenet"
    if any(k[:3] == (7, 7, 3) and k[3] == 64 for k in kernels):
        return "resnet"
    if any(k[:3] == (7, 7, 3) and k[3] == 128 for k in kernels):
        return "hourglass"
    if any(k[:2] in ((1, 7), (7, 1)) for k in kernels):
        return "inception_resnet"
    return None


def family_of_extractor(extractor_type: str) -> str | None:
    for family in ("inception_resnet", "efficientnet", "mobilenet", "resnet", "hourglass"):
        if family in extractor_type:
            return family
    return None
