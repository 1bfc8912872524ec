"""The stack checks behind doctor/train, the events follower and the progress line: no TensorFlow needed."""

import io
import os
import signal
import subprocess
import sys

import pytest
from support.projects import REPO

from pipecheck.artifacts.events import EventsFollower
from pipecheck.testing.writers import frame_record, scalar_event
from pipecheck.wrappers.progress import RunProgress
from pipecheck.wrappers.stack import Stack, blocking, incompatibilities, launcher_environment, version_tuple
from pipecheck.wrappers.supervise import supervise

MEASURED = {
    "tensorflow": ("tensorflow-cpu", "2.15.1"),
    "protobuf": ("protobuf", "4.25.9"),
    "tensorboard": ("tensorboard", "2.15.2"),
    "tensorflow-estimator": ("tensorflow-estimator", "2.15.0"),
    "tensorflow-io": ("tensorflow-io", "0.36.0"),
    "tf-slim": ("tf-slim", "1.1.0"),
    "tf-models-official": ("tf-models-official", "2.15.0"),
    "object-detection": ("tf-models-research-object-detection", "2.8.0.post1"),
    "pycocotools": ("pycocotools", "2.0.11"),
    "pillow": ("pillow", "9.5.0"),
}
# as pip installs the [train-tf221] extra: no tensorflow-estimator nor tensorflow-io
TF221 = {
    "tensorflow": ("tensorflow", "2.21.0"),
    "tf-keras": ("tf-keras", "2.21.0"),
    "keras": ("keras", "3.15.1"),
    "tensorboard": ("tensorboard", "2.21.0"),
    "protobuf": ("protobuf", "7.36.2"),
    "tf-slim": ("tf-slim", "1.1.0"),
    "tf-models-official": ("tf-models-official", "2.20.0"),
    "object-detection": ("tf-models-research-object-detection", "2.8.0.post1"),
    "pycocotools": ("pycocotools", "2.0.11"),
    "pillow": ("pillow", "13.0.0"),
}


@pytest.fixture(autouse=True)
def english():
    """The messages are compared in English, whatever language an earlier test left set."""
    from pipecheck.i18n import language, set_language

    previous = language()
    set_language("en")
    yield
    set_language(previous)


def stack(base=MEASURED, python="3.11.7", **changes):
    versions = {**base, **{k.replace("_", "-"): v for k, v in changes.items() if v is not None}}
    for name, value in changes.items():
        if value is None:
            versions.pop(name.replace("_", "-"))
    return Stack(
        python,
        versions,
        od_api=__import__("pathlib").Path("/od"),
        protos="old-style",
        tensorflow_wheels=[" ".join(versions["tensorflow"])] if "tensorflow" in versions else [],
        protobuf_floor=(6, 31, 1) if base is TF221 else (3, 20, 3),
    )


def problems(found):
    return [p.problem for p in found]


def test_the_measured_stack_needs_the_two_handled_fixes_only():
    found = incompatibilities(stack())
    assert all(p.handled for p in found) and len(found) == 2
    assert "Descriptors cannot be created directly" in found[0].problem
    assert "control_flow_ops.case" in found[1].problem
    assert blocking(stack(), "train") == [] and launcher_environment(stack()) == {"PYTHONUNBUFFERED": "1"}


def test_keras_3_needs_tf_keras():
    without = stack(TF221, tf_keras=None)
    assert any("Keras 3" in p for p in problems(blocking(without, "train")))
    assert "tf-keras==2.21.*" in blocking(without, "train")[0].fix
    assert blocking(stack(TF221), "train") == []
    assert launcher_environment(stack(TF221))["TF_USE_LEGACY_KERAS"] == "1"


def test_tensorflow_2_21_is_handled_by_the_stand_ins_and_lists_each():
    found = incompatibilities(stack(TF221))
    assert all(p.handled for p in found), problems(found)
    texts = " | ".join(problems(found))
    for expected in (
        "Descriptors cannot be created",
        "control_flow_ops.case",
        "getsize",
        "Keras 3",
        "no tf.compat.v1.estimator, which object_detection/inputs.py:24",
        "deepmac_meta_arch.py:28 imports it",
    ):
        assert expected in texts
    assert not any("not one of the stacks" in p for p in problems(found))
    assert blocking(stack(TF221), "export") == blocking(stack(TF221), "eval") == []


def test_the_stand_ins_follow_the_installed_versions_not_the_tensorflow_release():
    assert not any("estimator" in p for p in problems(incompatibilities(stack())))
    mismatched = stack(TF221, tensorflow_estimator=("tensorflow-estimator", "2.15.0"))
    assert any("no tf.compat.v1.estimator" in p for p in problems(incompatibilities(mismatched)))
    with_io = stack(TF221, tensorflow_io=("tensorflow-io", "0.37.1"))
    assert not any("tensorflow_io" in p for p in problems(incompatibilities(with_io)))
    assert any("tensorflow_io" in p for p in problems(incompatibilities(stack(tensorflow_io=None))))


def test_a_missing_tensorboard_blocks_train_and_eval_not_export():
    without = stack(TF221, tensorboard=None)
    for command in ("train", "eval"):
        assert [p.fix for p in blocking(without, command)] == ["pip install tensorboard==2.21.*"]
    assert blocking(without, "export") == []


def test_protobuf_older_than_tensorflow_requires_blocks():
    found = blocking(stack(TF221, protobuf=("protobuf", "3.20.3")), "train")
    assert len(found) == 1 and "older than TensorFlow 2.21.0 requires (>= 6.31.1)" in found[0].problem
    assert found[0].fix.startswith("pip install 'protobuf>=6.31.1'")


def test_an_unrun_tensorflow_is_advice_not_a_figure():
    found = [
        p
        for p in incompatibilities(stack(TF221, tensorflow=("tensorflow", "2.17.0"), tf_keras=("tf-keras", "2.17.0")))
        if not p.handled
    ]
    assert problems(found) == [
        "TensorFlow 2.17.0 is not one of the stacks pipecheck's slow tier trains, exports "
        "and evaluates (2.15.1, 2.21.0)"
    ]
    assert not any("slower" in p.problem for p in incompatibilities(stack(TF221)))


def test_two_tensorflow_wheels_are_reinstalled_never_left_half_uninstalled():
    both = stack(TF221)
    both.tensorflow_wheels = ["tensorflow 2.21.0", "tensorflow-cpu 2.21.0"]
    advice = [p for p in incompatibilities(both) if "several TensorFlow wheels" in p.problem][0]
    assert advice.fix.endswith("pip uninstall -y tensorflow tensorflow-cpu && pip install tensorflow==2.21.0")
    assert "tf-keras depends on `tensorflow`" in advice.fix


def test_missing_packages_block_with_the_command_to_install_them():
    found = blocking(stack(tensorflow=None, tf_models_official=None), "train")
    assert [p.fix for p in found] == [
        "pip install tensorflow-cpu==2.15.1 tensorflow-io==0.36.0 tf-slim==1.1.0 pycocotools opencv-python-headless "
        "matplotlib scipy pyyaml gin-config && pip install --no-deps tf-models-official==2.15.0 lvis==0.5.3 "
        "tf-models-research-object-detection==2.8.0.post1",
        "pip install --no-deps tf-models-official==2.15.0 gin-config pyyaml",
    ]
    on_312 = blocking(stack(python="3.12.3", tensorflow=None), "train")[0].fix
    assert on_312.startswith("pip install tensorflow==2.21.0 tf-keras==2.21.0 tensorboard==2.21.0 ")
    assert "tf-models-official==2.20.0" in on_312


def test_the_extras_pin_what_doctor_plans():
    import tomllib

    from pipecheck.wrappers.plan import TF215
    from pipecheck.wrappers.plan import TF221 as PLAN_221

    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert tuple(extras["train-tf215"]) == TF215.packages and tuple(extras["train-tf221"]) == PLAN_221.packages
    by_marker = {"< '3.12'": TF215.packages, ">= '3.12'": PLAN_221.packages}
    for marker, packages in by_marker.items():
        picked = [r.split(";")[0] for r in extras["train"] if ";" not in r or marker in r]
        assert sorted(picked) == sorted(packages)
    od_api = (REPO / "requirements" / "od-api.txt").read_text()
    assert 'tf-models-official==2.15.0; python_version < "3.12"' in od_api
    assert 'tf-models-official==2.20.0; python_version >= "3.12"' in od_api
    assert all(p in od_api for p in TF215.no_deps[1:])


def test_pycocotools_blocks_eval_only():
    found = stack(pycocotools=None)
    assert blocking(found, "train") == [] and problems(blocking(found, "eval"))[0].startswith("pycocotools")


def test_pillow_10_is_handled_for_eval():
    found = [p for p in incompatibilities(stack(pillow=("pillow", "10.0.0"))) if "getsize" in p.problem]
    assert found and found[0].handled and found[0].only_for == ("eval",)


def test_protobuf_3_needs_no_rebuild():
    assert not any("Descriptors" in p for p in problems(incompatibilities(stack(protobuf=("protobuf", "3.20.3")))))


def test_versions_compare_as_numbers():
    assert version_tuple("2.15.1") > version_tuple("2.9") and version_tuple("2.16.0rc1") == (2, 16, 0)
    assert version_tuple("4.25.9") >= (4,) and version_tuple("") == ()


def test_the_follower_reads_only_whole_records(tmp_path):
    folder = tmp_path / "train"
    folder.mkdir()
    events = folder / "events.out.tfevents.1.host"
    first, second = (frame_record(scalar_event(step, 100.0 + step, {"Loss/total_loss": 1.0 / step})) for step in (1, 2))
    events.write_bytes(first + second[:10])  # the writer is in the middle of step 2
    follower = EventsFollower(folder, skip_existing=False)
    assert [(s.step, s.tag, s.value) for s in follower.poll()] == [(1, "Loss/total_loss", 1.0)]
    with open(events, "ab") as stream:
        stream.write(second[10:])
    assert [s.step for s in follower.poll()] == [2]
    assert follower.poll() == []
    assert EventsFollower(folder, skip_existing=True).poll() == []  # a resumed run starts after the old steps


def test_the_follower_stops_at_a_torn_length(tmp_path):
    (tmp_path / "events.out.tfevents.2.host").write_bytes(b"\x05" + b"\x00" * 15)
    assert EventsFollower(tmp_path, skip_existing=False).poll() == []


def test_progress_from_events_and_log_lines():
    progress = RunProgress("train", total=100, stream=io.StringIO(), clock=lambda: 50.0)
    assert "starting TensorFlow" in progress.line()
    progress.feed_scalars(
        [
            type("S", (), {"tag": "Loss/total_loss", "value": 0.5, "step": step, "wall_time": 10.0 + step * 0.25})()
            for step in (1, 2, 3, 4, 5)
        ]
    )
    line = progress.line()
    assert "5/100" in line and "loss 0.5" in line and "0.25 s/step" in line and "ETA 0:00:23" in line
    progress.feed_line("INFO:tensorflow:Step 100 per-step time 0.300s")
    progress.feed_line(" 'Loss/total_loss': 0.125,")
    assert "100/100" in progress.line() and "loss 0.125" in progress.line()


def test_a_log_gets_a_line_per_tenth_not_per_step():
    stream = io.StringIO()
    progress = RunProgress("train", total=100, stream=stream, clock=lambda: 0.0)
    for step in range(1, 101):
        progress.feed_line(f"Step {step} per-step time 0.1s")
        progress.draw()
    progress.close()
    assert 10 <= stream.getvalue().count("\n") <= 12


def test_on_a_terminal_the_bar_is_redrawn_in_place(monkeypatch):
    monkeypatch.setenv("PIPECHECK_PROGRESS", "always")
    stream = io.StringIO()
    progress = RunProgress("train", total=10, stream=stream, clock=lambda: 0.0)
    for step in (1, 2, 3):
        progress.feed_line(f"Step {step} per-step time 0.1s")
        progress.draw()
    progress.close()
    drawn = stream.getvalue()
    assert drawn.count("\r") == 3 and drawn.count("\n") == 1 and "3/10" in drawn


def test_ctrl_c_asks_the_child_to_stop_then_insists(tmp_path):
    """One Ctrl-C sends SIGINT; a child that ignores it gets SIGTERM once the grace period is over."""
    stubborn = (
        "import signal, sys, time\n"
        "signal.signal(signal.SIGINT, lambda *_: print('ignoring SIGINT', flush=True))\n"
        "print('started', flush=True)\n"
        "time.sleep(60)\n"
    )
    ticks = []

    def ctrl_c_once():
        ticks.append(1)
        if len(ticks) == 3:
            raise KeyboardInterrupt

    finished = supervise(
        [sys.executable, "-c", stubborn],
        dict(os.environ),
        tmp_path,
        tmp_path / "run.log",
        on_tick=ctrl_c_once,
        tick_seconds=0.1,
        stop_grace=1.0,
    )
    assert finished.interrupted and finished.returncode == -signal.SIGTERM
    assert "ignoring SIGINT" in (tmp_path / "run.log").read_text()
    assert finished.seconds < 30


def test_doctor_lists_the_stack_and_its_incompatibilities(tmp_path):
    result = subprocess.run([sys.executable, "-m", "pipecheck", "doctor"], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for expected in ("machine     ", "CPU cores", "OD API      ", "protobuf", "Known incompatibilities"):
        assert expected in result.stdout
