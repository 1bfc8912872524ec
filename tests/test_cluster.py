"""`pipecheck cluster`: the TFJob and Vertex AI recipes, validated with the real client libraries' types."""

import json

import pytest
from support.cli import run_cli
from support.projects import CONFIG, NET


# The client libraries take seconds to import: only the tests that validate with them pay it, not collection.
@pytest.fixture
def yaml():
    return pytest.importorskip("yaml", reason="the cluster-test extra (kubernetes brings pyyaml)")


@pytest.fixture
def training():
    return pytest.importorskip("kubeflow.training", reason="the cluster-test extra: kubeflow-training")


@pytest.fixture
def aiplatform_types():
    return pytest.importorskip(
        "google.cloud.aiplatform_v1.types", reason="the cluster-test extra: google-cloud-aiplatform"
    )


def _generate(*extra):
    return run_cli("cluster", CONFIG, "--ram", "16GiB", "--image", "registry.example/od-api:2.15", *extra)


def _two_shards(root):
    """Two training files, so that each of two workers reads one (PC412)."""
    folder = root / "faces_cubes" / "training"
    (folder / "train-2.record").write_bytes((folder / "train.record").read_bytes())
    config = root / CONFIG
    config.write_text(
        config.read_text().replace(
            'input_path: "faces_cubes/training/train.record"', 'input_path: "faces_cubes/training/train*.record"'
        )
    )


def _set_batch(root, batch):
    config = root / CONFIG
    text = config.read_text()
    start = text.index("batch_size:", text.index("train_config"))
    end = text.index("\n", start)
    config.write_text(text[:start] + f"batch_size: {batch}" + text[end:])


def test_tfjob_and_vertex_job_validate_against_the_client_libraries(
    clean_project, capsys, yaml, training, aiplatform_types
):
    _two_shards(clean_project)
    _set_batch(clean_project, 4)
    code, out = _generate("--workers", "2", "--gpus-per-worker", "2", "--gpu-memory", "16GiB")
    assert code == 0, out + capsys.readouterr().err
    folder = clean_project / "faces_cubes" / "training" / NET / "cluster"

    manifest = yaml.safe_load((folder / "tfjob.yaml").read_text())
    client = training.ApiClient()
    job = client._ApiClient__deserialize(manifest, "KubeflowOrgV1TFJob")
    assert isinstance(job, training.models.KubeflowOrgV1TFJob)
    # every key was one the TFJob model knows: serialising the typed object gives the manifest back
    assert client.sanitize_for_serialization(job) == manifest
    specs = job.spec.tf_replica_specs
    assert set(specs) == {"Chief", "Worker"} and specs["Chief"].replicas == 1 and specs["Worker"].replicas == 1
    container = specs["Worker"].template.spec.containers[0]
    assert container.name == "tensorflow"  # the Training Operator finds the TF container by this name
    assert container.resources.limits == {"nvidia.com/gpu": "2"}
    assert "--num_workers=2" in container.command and f"--pipeline_config_path={CONFIG}" in container.command
    assert job.metadata.annotations["pipecheck/replicas"] == "4"

    vertex = yaml.safe_load((folder / "vertex-job.yaml").read_text())
    spec = aiplatform_types.CustomJobSpec.from_json(json.dumps(vertex))  # unknown fields are refused
    pools = spec.worker_pool_specs
    assert [pool.replica_count for pool in pools] == [1, 1]
    assert pools[0].machine_spec.accelerator_count == 2
    assert pools[0].machine_spec.accelerator_type == aiplatform_types.AcceleratorType.NVIDIA_TESLA_T4
    assert list(pools[1].container_spec.command) + list(pools[1].container_spec.args) == container.command


def test_a_cpu_cluster_has_no_accelerator_and_one_worker_has_no_worker_pool(clean_project, yaml, aiplatform_types):
    code, _out = _generate("--workers", "1", "-o", "recipes")
    assert code == 0
    manifest = yaml.safe_load((clean_project / "recipes" / "tfjob.yaml").read_text())
    assert set(manifest["spec"]["tfReplicaSpecs"]) == {"Chief"}
    assert "resources" not in manifest["spec"]["tfReplicaSpecs"]["Chief"]["template"]["spec"]["containers"][0]
    spec = aiplatform_types.CustomJobSpec.from_json(
        json.dumps(yaml.safe_load((clean_project / "recipes" / "vertex-job.yaml").read_text()))
    )
    assert len(spec.worker_pool_specs) == 1 and not spec.worker_pool_specs[0].machine_spec.accelerator_count


def test_the_recipe_is_linted_for_the_replicas_it_implies(clean_project, capsys):
    _set_batch(clean_project, 3)
    code, out = _generate("--workers", "2")
    assert code == 1
    assert "PC411" in out and "PC412" in out  # 3 images over 2 replicas; one train.record for two workers
    assert "pipecheck cluster refused" in capsys.readouterr().err
    assert not (clean_project / "faces_cubes" / "training" / NET / "cluster").exists()


def test_existing_recipes_are_never_overwritten(clean_project, capsys):
    assert _generate("--workers", "1")[0] == 0
    tfjob = clean_project / "faces_cubes" / "training" / NET / "cluster" / "tfjob.yaml"
    tfjob.write_text("# mine\n")
    assert _generate("--workers", "1")[0] == 2
    assert "never overwrites" in capsys.readouterr().err
    assert tfjob.read_text() == "# mine\n"


def test_a_recipe_made_meanwhile_refuses_both(clean_project, capsys, monkeypatch):
    """vertex-job.yaml appears after the check: it is kept, and the TFJob just written is taken back (before, it
    stayed alone beside a file pipecheck did not write)."""
    import pipecheck.atomic

    folder = clean_project / "faces_cubes" / "training" / NET / "cluster"
    real_create_new = pipecheck.atomic.create_new

    def another_run_writes_vertex_first(path, data, root):
        if path.name == "vertex-job.yaml":
            path.write_text("# another run's\n")
        return real_create_new(path, data, root)

    monkeypatch.setattr(pipecheck.atomic, "create_new", another_run_writes_vertex_first)
    assert _generate("--workers", "1")[0] == 2
    assert "never overwrites" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == ["vertex-job.yaml"]
    assert (folder / "vertex-job.yaml").read_text() == "# another run's\n"
