"""Hostile input, round 2 (issue 23): writes through the one guarded writer, commands safe to paste, bounds."""

import io
import os
import shutil
import subprocess
import sys
import tarfile
import threading
import time

import pytest
from support.cli import run_cli
from support.projects import CONFIG

PIPECHECK = [sys.executable, "-c", "import sys; from pipecheck.cli.main import main; sys.exit(main())"]


def test_cluster_never_writes_through_a_linked_cluster_folder(clean_project, tmp_path, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    (clean_project / CONFIG).parent.joinpath("cluster").symlink_to(outside)
    code, _out = run_cli("cluster", CONFIG, "--ram", "16GiB", "--image", "od:2", "--workers", "2", "--force")
    assert code == 2 and not list(outside.iterdir())
    assert "is a link" in capsys.readouterr().err


def test_two_concurrent_fixes_never_lose_a_result_reported_as_written(tmp_path, monkeypatch):
    """Both runs read the original; the race is forced: each waits, after its backup, for the other."""
    import pipecheck.fixes.write as write

    config = tmp_path / "pipeline.config"
    config.write_text("a: 1\n")
    meeting = threading.Barrier(2, timeout=1.5)
    real_backup = write._write_backup

    def backup_then_wait(*args):
        real_backup(*args)
        try:
            meeting.wait()  # with the lock the second run never gets here while the first holds it
        except threading.BrokenBarrierError:
            pass

    monkeypatch.setattr(write, "_write_backup", backup_then_wait)
    outcomes = {}

    def fix(name):
        try:
            outcomes[name] = write.write_fixed(config, b"a: 1\n", f"a: {name}\n")
        except write.FileChanged as refused:
            outcomes[name] = refused

    threads = [threading.Thread(target=fix, args=(name,)) for name in ("2", "3")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    written = [name for name, outcome in outcomes.items() if not isinstance(outcome, Exception)]
    assert len(written) == 1, outcomes  # one wrote, the other refused: never two "wrote"
    assert config.read_text() == f"a: {written[0]}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipeline.config", "pipeline.config.bak"]


def test_init_quotes_the_network_folder_in_the_steps_to_paste(tmp_path, empty_root):
    from support.projects import EXAMPLE, NET

    net = "n$(touch PWNED)"
    path = tmp_path / "net.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        tar.add(EXAMPLE / "tod_tf2" / "pre-trained" / NET, arcname=net)
    code, out = run_cli("init", str(path), "--project", "faces_cubes")
    assert code == 0, out
    steps = [line.split(". ", 1)[1] for line in out.splitlines() if line.strip().startswith("[ ]")]
    commands = [step.split("   ")[0] for step in steps if step.startswith("pipecheck ")]
    assert len(commands) == 3
    for command in commands:  # pasted into a shell, each runs pipecheck on the folder and nothing else
        subprocess.run(["sh", "-c", f"printf '%s\\n' {command.removeprefix('pipecheck ')}"], cwd=empty_root)
    assert not (empty_root / "PWNED").exists()
    assert f"'faces_cubes/training/{net}'" in out


@pytest.mark.parametrize(
    "option", [["--gpus", "1000000000"], ["--num-workers", str(10**12)], ["--local-workers", "100000"]]
)
def test_device_and_worker_counts_are_bounded(clean_project, option):
    started = time.monotonic()
    result = subprocess.run(
        [*PIPECHECK, "train", CONFIG, "--dry-run", "--ram", "16GiB", *option],
        cwd=clean_project,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and f"argument {option[0]}: " in result.stderr and "from 1 to" in result.stderr
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("name", ["net/" + "a/" * 2100 + "f", "net/" + "b" * (1 << 20)])
def test_init_refuses_a_member_name_too_deep_or_too_long_from_the_listing(tmp_path, empty_root, name, capsys):
    path = tmp_path / "net.tar.gz"
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(name)
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    code, _out = run_cli("init", str(path), "--project", "faces_cubes")
    assert code == 2 and not list(empty_root.iterdir())
    assert "deeper or longer than a path may be" in capsys.readouterr().err


def test_a_full_disk_names_the_file_it_could_not_write(clean_project, monkeypatch, capsys):
    import pipecheck.atomic as atomic

    config = clean_project / CONFIG
    config.write_text(config.read_text().replace("num_classes: 2", "num_classes: 1"))
    real_write = os.write

    def full(descriptor, data):
        if os.fstat(descriptor).st_size or len(data) < 100:
            return real_write(descriptor, data)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "write", full)
    code, _out = run_cli("fix", CONFIG, "--ram", "16GiB")
    err = capsys.readouterr().err
    assert code == 2 and "pipeline.config.bak: No space left on device" in err, err
    assert "num_classes: 1" in config.read_text()


def test_an_os_error_without_a_file_never_prints_an_empty_name(capsys):
    from pipecheck.cli.main import report_error

    assert report_error(OSError(24, "Too many open files")) == 2
    assert capsys.readouterr().err == "pipecheck: error: Too many open files\n"


def test_a_fix_writes_in_the_folder_it_checked_not_through_a_link_swapped_in(tmp_path, monkeypatch):
    """Before, fix checked the config, then wrote its backup and the new config by path: a link put at the
    config folder's name in between (a copy of the folder elsewhere) got both written outside the project."""
    import pipecheck.fixes.write as write

    root, outside = tmp_path / "project", tmp_path / "outside"
    (root / "training").mkdir(parents=True)
    (root / "training" / "pipeline.config").write_text("a: 1\n")
    shutil.copytree(root / "training", outside)
    real_next_backup = write.next_backup

    def swapped_then_named(path):
        (root / "training").rename(root / "training.moved")
        (root / "training").symlink_to(outside)
        return real_next_backup(path)

    monkeypatch.setattr(write, "next_backup", swapped_then_named)
    write.write_fixed(root / "training" / "pipeline.config", b"a: 1\n", "a: 2\n", inside=root)
    assert sorted(p.name for p in outside.iterdir()) == ["pipeline.config"]
    assert (outside / "pipeline.config").read_text() == "a: 1\n"
    assert (root / "training.moved" / "pipeline.config").read_text() == "a: 2\n"
    assert (root / "training.moved" / "pipeline.config.bak").read_text() == "a: 1\n"
