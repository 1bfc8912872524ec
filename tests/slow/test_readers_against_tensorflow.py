"""pipecheck's TF-free readers and writers agree exactly with TensorFlow on real files (slow tier)."""

import gzip
import re
import struct

import pytest

tf = pytest.importorskip("tensorflow")
np = pytest.importorskip("numpy")

from pipecheck.artifacts.checkpoint import backbone_family, read_checkpoint  # noqa: E402
from pipecheck.artifacts.records import scan_file  # noqa: E402
from pipecheck.artifacts.tfproto import message_classes  # noqa: E402
from pipecheck.artifacts.tfrecord import RecordReader  # noqa: E402
from pipecheck.testing.writers import detection_example, object_graph_for, write_checkpoint, write_tfrecord  # noqa: E402

pytestmark = pytest.mark.slow


def tf_example(index: int) -> bytes:
    image = tf.io.encode_jpeg(tf.cast(tf.random.uniform((48, 64, 3), maxval=255, seed=index), tf.uint8)).numpy()
    feature = {
        "image/encoded": tf.train.Feature(bytes_list=tf.train.BytesList(value=[image])),
        "image/format": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"jpeg"])),
        "image/height": tf.train.Feature(int64_list=tf.train.Int64List(value=[48])),
        "image/width": tf.train.Feature(int64_list=tf.train.Int64List(value=[64])),
        "image/object/bbox/ymin": tf.train.Feature(float_list=tf.train.FloatList(value=[0.1] * (index + 1))),
        "image/object/bbox/xmin": tf.train.Feature(float_list=tf.train.FloatList(value=[0.2] * (index + 1))),
        "image/object/bbox/ymax": tf.train.Feature(float_list=tf.train.FloatList(value=[0.6] * (index + 1))),
        "image/object/bbox/xmax": tf.train.Feature(float_list=tf.train.FloatList(value=[0.7] * (index + 1))),
        "image/object/class/text": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"one"] * (index + 1))),
        "image/object/class/label": tf.train.Feature(int64_list=tf.train.Int64List(value=[1] * (index + 1))),
    }
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def write_with_tf(path, payloads, compression=""):
    with tf.io.TFRecordWriter(str(path), options=tf.io.TFRecordOptions(compression_type=compression)) as writer:
        for payload in payloads:
            writer.write(payload)


def as_values(example) -> dict:
    result = {}
    for key, feature in example.features.feature.items():
        kind = feature.WhichOneof("kind")
        result[key] = (kind, [v if not isinstance(v, float) else round(v, 6) for v in getattr(feature, kind).value])
    return result


@pytest.fixture
def tf_records(tmp_path):
    payloads = [tf_example(i) for i in range(6)]
    path = tmp_path / "tf.record"
    write_with_tf(path, payloads)
    return path, payloads


def test_tf_written_records_read_identically(tf_records):
    path, payloads = tf_records
    ours = [payload for _, _, payload in RecordReader(path)]
    assert ours == payloads == [r.numpy() for r in tf.data.TFRecordDataset(str(path))]
    Example = message_classes()["Example"]
    for payload in ours:
        assert as_values(Example.FromString(payload)) == as_values(tf.train.Example.FromString(payload))
    facts = scan_file(path)
    assert facts.objects == [1, 2, 3, 4, 5, 6] and not facts.problems and facts.image_sizes == [[64, 48]] * 6


def test_pipecheck_written_records_read_identically_in_tensorflow(tmp_path):
    examples = [
        detection_example(b"\xff\xd8fake", 64, 48, [(0.1, 0.2, 0.3, 0.4)], ["two"], label_ids=[2]) for _ in range(3)
    ]
    path = tmp_path / "ours.record"
    write_tfrecord(path, examples)
    read = [r.numpy() for r in tf.data.TFRecordDataset(str(path))]
    assert read == [e.SerializeToString(deterministic=True) for e in examples]
    parsed = tf.io.parse_single_example(
        read[0],
        {
            "image/object/class/label": tf.io.VarLenFeature(tf.int64),
            "image/object/bbox/xmin": tf.io.VarLenFeature(tf.float32),
        },
    )
    assert parsed["image/object/class/label"].values.numpy().tolist() == [2]
    assert parsed["image/object/bbox/xmin"].values.numpy().tolist() == pytest.approx([0.2])


def tf_failure(path, compression="") -> str:
    with pytest.raises(tf.errors.DataLossError) as raised:
        for _ in tf.data.TFRecordDataset(str(path), compression_type=compression):
            pass
    return str(raised.value)


def test_a_damaged_record_is_the_one_tensorflow_stops_at(tf_records):
    path, _ = tf_records
    reader = RecordReader(path)
    list(reader)
    data = bytearray(path.read_bytes())
    data[reader.offsets[3] + 30] ^= 0x10
    path.write_bytes(bytes(data))
    ours = RecordReader(path)
    list(ours)
    message = tf_failure(path)
    assert [(p.kind, p.index) for p in ours.problems] == [("data-crc", 3)]
    # TensorFlow names the offset of the record's data, 12 bytes after its header; pipecheck quotes it
    reported = re.search(r"corrupted record at (\d+)", message).group(1)
    assert (
        int(reported) == ours.problems[0].offset + 12
        and f"'corrupted record at {reported}'" in ours.problems[0].message
    )


def test_a_truncated_file_is_where_tensorflow_says(tf_records):
    path, _ = tf_records
    path.write_bytes(path.read_bytes()[:-9])
    ours = RecordReader(path)
    list(ours)
    message = tf_failure(path)
    assert ours.problems[0].kind == "truncated" and ours.problems[0].index == 5
    reported = re.search(r"truncated record at (\d+)", message).group(1)
    assert int(reported) == ours.problems[0].offset and f"'truncated record at {reported}'" in ours.problems[0].message


@pytest.mark.parametrize("compression", ["GZIP", "ZLIB"])
def test_compressed_files_are_recognised_and_read_like_tensorflow_with_the_option(tmp_path, compression):
    payloads = [tf_example(i) for i in range(3)]
    path = tmp_path / "compressed.record"
    write_with_tf(path, payloads, compression)
    reader = RecordReader(path)
    assert [p for _, _, p in reader] == payloads == [r.numpy() for r in tf.data.TFRecordDataset(str(path), compression)]
    assert reader.compression == compression
    assert "corrupted record at 0" in tf_failure(path)  # what the OD API's dataset builder would hit


def test_a_tf_checkpoint_reads_like_list_variables(tmp_path):
    module = tf.Module()
    module.kernel = tf.Variable(tf.random.normal((3, 3, 8, 16)))
    module.bias = tf.Variable(tf.zeros((16,), tf.float16))
    module.steps = tf.Variable(tf.constant(7, tf.int64))
    module.name_tag = tf.Variable("faces_cubes")
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(model=module), str(tmp_path), max_to_keep=1)
    prefix = manager.save()
    facts = read_checkpoint(prefix)
    assert facts.problems == [] and facts.object_based
    reader = tf.train.load_checkpoint(prefix)
    dtypes = {name: dtype.name for name, dtype in reader.get_variable_to_dtype_map().items()}
    assert {e["name"]: e["shape"] for e in facts.entries} == dict(tf.train.list_variables(prefix))
    assert {e["name"]: e["dtype"] for e in facts.entries} == dtypes
    assert facts.kind == "detection"


def test_tensorflow_reads_pipecheck_written_checkpoints(tmp_path):
    values = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    tensors = {
        f"model/v{i}/.ATTRIBUTES/VARIABLE_VALUE": ("float32", [2, 3, 4], (values + i).tobytes()) for i in range(5)
    }
    tensors["model/count/.ATTRIBUTES/VARIABLE_VALUE"] = ("int64", [], struct.pack("<q", 42))
    for shards in (1, 3):
        prefix = tmp_path / f"shards{shards}" / "ckpt-0"
        write_checkpoint(prefix, tensors, object_graph=b"", shards=shards)
        reader = tf.train.load_checkpoint(str(prefix))
        for i in range(5):
            assert (reader.get_tensor(f"model/v{i}/.ATTRIBUTES/VARIABLE_VALUE") == values + i).all()
        assert reader.get_tensor("model/count/.ATTRIBUTES/VARIABLE_VALUE") == 42
        assert reader.get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH") == b""


def test_a_tf1_saver_checkpoint_is_not_object_based(tmp_path):
    with tf.Graph().as_default():
        tf.compat.v1.get_variable("conv1/weights", shape=(7, 7, 3, 64))
        saver = tf.compat.v1.train.Saver()
        with tf.compat.v1.Session() as session:
            session.run(tf.compat.v1.global_variables_initializer())
            prefix = saver.save(session, str(tmp_path / "model.ckpt"))
    facts = read_checkpoint(prefix)
    assert facts.problems == [] and not facts.object_based and facts.kind == "tf1"


@pytest.mark.parametrize(
    "application, family",
    [
        ("ResNet50", "resnet"),
        ("MobileNetV2", "mobilenet"),
        ("MobileNet", "mobilenet"),
        ("EfficientNetB0", "efficientnet"),
    ],
)
def test_backbone_families_of_real_keras_networks(tmp_path, application, family):
    network = getattr(tf.keras.applications, application)(weights=None, include_top=False, input_shape=(96, 96, 3))
    holder = tf.train.Checkpoint(model=tf.train.Checkpoint(_feature_extractor=network))
    prefix = tf.train.CheckpointManager(holder, str(tmp_path), max_to_keep=1).save()
    assert backbone_family(read_checkpoint(prefix)) == family


def test_gzip_records_start_with_the_gzip_magic(tmp_path):
    path = tmp_path / "g.record"
    write_with_tf(path, [b"x"], "GZIP")
    assert gzip.decompress(path.read_bytes())[:8] == struct.pack("<Q", 1)


def test_the_object_graph_reads_as_tensorflow_wrote_it(tmp_path):
    """PC312 reads the graph TF2 restores through: its nodes and the variables under model/'s children."""
    from tensorflow.core.protobuf import trackable_object_graph_pb2

    extractor, head = tf.Module(), tf.Module()
    extractor.kernel, extractor.bias = tf.Variable(tf.zeros((3, 3, 3, 8))), tf.Variable(tf.zeros((8,)))
    head.kernel = tf.Variable(tf.zeros((8, 4)))
    model = tf.train.Checkpoint(_feature_extractor=extractor, _box_predictor=head)
    prefix = tf.train.CheckpointManager(tf.train.Checkpoint(model=model), str(tmp_path), max_to_keep=1).save()
    facts = read_checkpoint(prefix)
    graph = trackable_object_graph_pb2.TrackableObjectGraph.FromString(
        tf.train.load_checkpoint(prefix).get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH")
    )
    assert facts.graph_nodes == len(graph.nodes)
    assert facts.graph_variables["model/_feature_extractor"] == 2 and facts.graph_variables["model/_box_predictor"] == 1
    assert facts.graph_variables["model"] == 3 and facts.graph_variables["save_counter"] == 1


def test_tensorflow_reads_the_object_graph_pipecheck_writes(tmp_path):
    tensors = {
        "model/_feature_extractor/kernel/.ATTRIBUTES/VARIABLE_VALUE": ("float32", [2], b"\0" * 8),
        "save_counter/.ATTRIBUTES/VARIABLE_VALUE": ("int64", [], struct.pack("<q", 1)),
    }
    write_checkpoint(tmp_path / "ckpt-0", tensors, object_graph=object_graph_for(tensors))
    extractor = tf.Module()
    extractor.kernel = tf.Variable(tf.ones((2,)))
    status = tf.train.Checkpoint(model=tf.train.Checkpoint(_feature_extractor=extractor)).restore(
        str(tmp_path / "ckpt-0")
    )
    status.expect_partial().assert_existing_objects_matched()
    assert extractor.kernel.numpy().tolist() == [0.0, 0.0]
