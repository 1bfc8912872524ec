"""The OD API schema comes from compiled descriptors of either generation, or from .proto files."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from support.projects import CONFIG, EXAMPLE
from support.proto_source import write_proto_sources

from pipecheck.schema import SchemaNotFound, load_schema
from pipecheck.schema.extract import descriptor_from_generated_module
from pipecheck.textproto import parse_located

EXAMPLE_CONFIG = EXAMPLE / "tod_tf2" / CONFIG


def installed_protos() -> Path:
    spec = importlib.util.find_spec("object_detection")
    assert spec is not None, "the test environment installs tf-models-research-object-detection"
    return Path(spec.submodule_search_locations[0]) / "protos"


INSTALLED = installed_protos()


def parsed_example(schema) -> bytes:
    located = parse_located(EXAMPLE_CONFIG, EXAMPLE_CONFIG.read_text(), schema.pipeline_class)
    return located.message.SerializeToString(deterministic=True)


@pytest.fixture
def proto_checkout(tmp_path) -> Path:
    """A models/research checkout holding only the .proto files, written from the installed descriptors."""
    research = tmp_path / "tod_tf2" / "models" / "research"
    serialized = [descriptor_from_generated_module(p)[0] for p in sorted(INSTALLED.glob("*_pb2.py"))]
    write_proto_sources(serialized, research)
    return research


@pytest.fixture
def no_installed_package(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "object_detection" else real(name, *a)
    )


def test_installed_old_style_protos_are_read_without_importing_them(tmp_path):
    schema = load_schema(tmp_path)
    assert schema.kind == "installed" and schema.generation == "old-style"
    assert "object_detection.protos.pipeline_pb2" not in sys.modules
    assert schema.pipeline_class.DESCRIPTOR.full_name == "object_detection.protos.TrainEvalPipelineConfig"


def test_the_second_load_comes_from_the_cache(tmp_path):
    load_schema(tmp_path)
    assert load_schema(tmp_path).from_cache


def test_proto_files_of_a_checkout_under_the_root_are_compiled(proto_checkout, no_installed_package):
    pytest.importorskip("grpc_tools")
    root = proto_checkout.parent.parent
    schema = load_schema(root)
    assert (schema.kind, schema.generation) == ("checkout", "compiled .proto")
    assert parsed_example(schema) == parsed_example(load_schema(root, INSTALLED.parent.parent))


def test_new_style_generated_modules_work(proto_checkout, tmp_path, monkeypatch):
    pytest.importorskip("grpc_tools")
    site = tmp_path / "site"
    site.mkdir()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"--proto_path={proto_checkout}",
            f"--python_out={site}",
            *(
                str(p.relative_to(proto_checkout))
                for p in (proto_checkout / "object_detection" / "protos").glob("*.proto")
            ),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    (site / "object_detection" / "__init__.py").write_text("raise ImportError('pipecheck must not import this')\n")
    assert "AddSerializedFile" in (site / "object_detection" / "protos" / "pipeline_pb2.py").read_text()
    monkeypatch.syspath_prepend(str(site))
    schema = load_schema(tmp_path)
    assert (schema.kind, schema.generation) == ("installed", "new-style")
    assert parsed_example(schema) == parsed_example(load_schema(tmp_path, INSTALLED.parent.parent))


def test_models_dir_option_points_at_a_checkout(proto_checkout):
    pytest.importorskip("grpc_tools")
    schema = load_schema(Path("/nonexistent"), proto_checkout)
    assert schema.kind == "models-dir"


def test_no_schema_anywhere_says_how_to_get_one(tmp_path, no_installed_package):
    with pytest.raises(SchemaNotFound) as raised:
        load_schema(tmp_path)
    message = str(raised.value)
    assert "pip install --no-deps tf-models-research-object-detection==2.8.0.post1" in message
    assert "--models-dir" in message


def test_doctor_names_the_schema_in_use(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = subprocess.run([sys.executable, "-m", "pipecheck", "doctor"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "object_detection 2.8.0.post1 (installed, old-style" in result.stdout
    assert "the lint never imports TensorFlow" in result.stdout
