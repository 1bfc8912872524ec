"""train's strategies: --gpus/--num-workers/--tpu passed through, --local-workers supervised together (stand-in TF)."""

import json
import re
import signal
import sys
import time

import pytest
from support.projects import CONFIG, NET
from support.terminal import start_like_a_terminal
from test_workflow import FOLDER, pipecheck

from pipecheck.odapi.distribution import DistributionError, from_options, local_cluster, read_tf_config

RUN = f"faces_cubes/training/{NET}/checkpoint1"


def _two_shards(root, batch=2):
    """Two training files (one per worker, PC412) and a batch that two replicas can split (PC411)."""
    folder = root / "faces_cubes" / "training"
    (folder / "train-2.record").write_bytes((folder / "train.record").read_bytes())
    config = root / CONFIG
    text = config.read_text().replace(
        'input_path: "faces_cubes/training/train.record"', 'input_path: "faces_cubes/training/train*.record"'
    )
    start = text.index("batch_size:", text.index("train_config"))
    config.write_text(text[:start] + f"batch_size: {batch}" + text[text.index("\n", start) :])


def _exports(out: str, name: str) -> list[str]:
    return [
        json.loads(m.strip("'")) if name == "TF_CONFIG" else m.strip("'")
        for m in re.findall(rf"^export {name}=(.*)$", out, re.MULTILINE)
    ]


def test_dry_run_shows_each_local_worker_with_its_tf_config(clean_project):
    _two_shards(clean_project)
    done = pipecheck("train", FOLDER, "--local-workers", "2", "--dry-run", "--ram", "16GiB", cwd=clean_project)
    assert done.returncode == 0, done.stdout + done.stderr
    configs = _exports(done.stdout, "TF_CONFIG")
    assert [c["task"] for c in configs] == [{"type": "worker", "index": 0}, {"type": "worker", "index": 1}]
    addresses = configs[0]["cluster"]["worker"]
    assert configs[1]["cluster"]["worker"] == addresses and len(set(addresses)) == 2
    assert all(a.startswith("127.0.0.1:") for a in addresses)
    assert done.stdout.count(f'"model_dir": "{RUN}"') == 2 and '"kind": "multi_worker"' in done.stdout
    assert "--num_workers=2" in done.stdout  # the OD API's own command for the same run
    assert not (clean_project / RUN).exists()


def test_dry_run_of_a_real_cluster_uses_the_users_tf_config(clean_project):
    _two_shards(clean_project)
    cluster = {"chief": ["a.lab:2222"], "worker": ["b.lab:2222"]}
    mine = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 0}})
    done = pipecheck(
        "train", FOLDER, "--num-workers", "2", "--dry-run", "--ram", "16GiB", cwd=clean_project, env={"TF_CONFIG": mine}
    )
    assert done.returncode == 0, done.stderr
    configs = _exports(done.stdout, "TF_CONFIG")
    assert [c["task"] for c in configs] == [{"type": "chief", "index": 0}, {"type": "worker", "index": 0}]
    assert all(c["cluster"] == cluster for c in configs)
    example = pipecheck(
        "train", FOLDER, "--num-workers", "2", "--dry-run", "--ram", "16GiB", cwd=clean_project, env={"TF_CONFIG": ""}
    )
    assert "TF_CONFIG is not set: these addresses are an example" in example.stdout


@pytest.mark.parametrize(
    "tf_config, message",
    [
        ("", "TF_CONFIG is not set"),
        ('{"cluster": {"worker": ["a:1", "b:1", "c:1"]}, "task": {"type": "worker", "index": 0}}', "lists 3"),
        ("{not json", "TF_CONFIG is not what MultiWorkerMirroredStrategy reads"),
    ],
)
def test_a_cluster_run_refuses_a_missing_or_inconsistent_tf_config(clean_project, fake_python, tf_config, message):
    _two_shards(clean_project)
    done = pipecheck(
        "train",
        FOLDER,
        "--num-workers",
        "2",
        "--python",
        fake_python,
        "--ram",
        "16GiB",
        cwd=clean_project,
        env={"TF_CONFIG": tf_config},
    )
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
    assert not (clean_project / RUN).exists()


def test_gpus_and_tpu_pass_through_to_the_strategy_and_the_stock_command(clean_project):
    _two_shards(clean_project)
    done = pipecheck("train", FOLDER, "--gpus", "2", "--dry-run", "--ram", "16GiB", cwd=clean_project)
    assert done.returncode == 0, done.stdout
    assert _exports(done.stdout, "CUDA_VISIBLE_DEVICES") == ["0,1"]
    tpu = pipecheck("train", FOLDER, "--tpu", "local", "--dry-run", "--force", "--ram", "16GiB", cwd=clean_project)
    assert '"kind": "tpu", "tpu": "local"' in tpu.stdout and "--use_tpu=true --tpu_name=local" in tpu.stdout


def test_a_batch_not_divisible_by_the_replicas_is_refused_before_start(clean_project, fake_python):
    _two_shards(clean_project, batch=3)
    started = time.monotonic()
    done = pipecheck(
        "train", FOLDER, "--local-workers", "2", "--python", fake_python, "--ram", "16GiB", cwd=clean_project
    )
    assert done.returncode == 1 and "PC411" in done.stdout and "refused" in done.stderr
    assert "num_replicas_in_sync` 2" in done.stdout and not (clean_project / RUN).exists()
    assert time.monotonic() - started < 30  # no TensorFlow involved


def test_local_workers_train_together_and_only_the_chief_keeps_checkpoints(clean_project, fake_python):
    _two_shards(clean_project)
    done = pipecheck(
        "train",
        FOLDER,
        "--local-workers",
        "2",
        "--num-steps",
        "12",
        "--python",
        fake_python,
        "--ram",
        "16GiB",
        cwd=clean_project,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    run = clean_project / RUN
    assert "trained to step 12" in done.stdout and "2 workers on 127.0.0.1" in done.stderr
    assert (run / "train.log").exists() and (run / "train-worker1.log").exists()
    assert '"multi_worker"' in (run / "train-worker1.log").read_text()
    assert (run / "checkpoint").exists() and not list(run.glob("temp_worker_*"))


def test_one_failing_worker_stops_the_others_with_its_error(clean_project, fake_python):
    _two_shards(clean_project)
    started = time.monotonic()
    done = pipecheck(
        "train",
        FOLDER,
        "--local-workers",
        "2",
        "--num-steps",
        "100000",
        "--python",
        fake_python,
        "--ram",
        "16GiB",
        cwd=clean_project,
        env={"FAKE_FAIL_TASK": "1", "FAKE_STEP_SECONDS": "0.01"},
    )
    assert done.returncode != 0
    assert "worker 1 failed: stopping the other workers" in done.stderr
    assert "OutOfRangeError: End of sequence" in done.stderr and "train-worker1.log" in done.stderr
    assert time.monotonic() - started < 60


def test_ctrl_c_stops_every_worker(clean_project, fake_python):
    _two_shards(clean_project)
    command = [
        sys.executable,
        "-m",
        "pipecheck",
        "train",
        FOLDER,
        "--local-workers",
        "2",
        "--num-steps",
        "100000",
        "--python",
        fake_python,
        "--ram",
        "16GiB",
    ]

    child = start_like_a_terminal(command, clean_project, {"FAKE_STEP_SECONDS": "0.01"})
    log = clean_project / RUN / "train-worker1.log"
    deadline = time.monotonic() + 60
    while not (log.exists() and "fake strategy" in log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 130, out + err
    assert "stopping every worker" in err and "stopped at step" in out, err


def test_the_distribution_the_options_describe():
    assert from_options() is None
    assert from_options(gpus=4).replicas == 4
    assert from_options(num_workers=3, gpus=2).replicas == 6
    assert from_options(tpu="my-tpu").replicas == 8 and from_options(tpu="my-tpu", replicas=32).replicas == 32
    assert from_options(local_workers=2).local
    with pytest.raises(DistributionError, match="choose one"):
        from_options(num_workers=2, tpu="t")
    with pytest.raises(DistributionError, match="task chief 1"):
        read_tf_config('{"cluster": {"chief": ["a:1"], "worker": ["b:1"]}, "task": {"type": "chief", "index": 1}}', 2)
    ports = {address.rsplit(":", 1)[1] for address in local_cluster(3).jobs["worker"]}
    assert len(ports) == 3


@pytest.mark.parametrize(
    "options, message",
    [
        (["--gpu-memory", "abc"], "--gpu-memory: not a size"),
        (["--gpus", "0"], "--gpus: write a count"),
        (["--tpu", "t", "--local-workers", "2"], "choose one way to distribute"),
        (["--tpu", "t", "--gpus", "2"], "a TPU training uses no GPU"),
    ],
)
def test_options_that_describe_no_cluster_are_a_usage_error(clean_project, options, message):
    done = pipecheck("check", FOLDER, *options, cwd=clean_project, env={"CUDA_VISIBLE_DEVICES": ""})
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
