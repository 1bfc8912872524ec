"""Hostile input, part 2 (issue 14): nothing written where it must not be; reports that stay inert and valid."""

import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import zlib
from pathlib import Path

import pytest
from support.cli import lint_json, run_cli
from support.projects import CONFIG, EXAMPLE, NET
from test_engine import user_rules

PRETRAINED = EXAMPLE / "tod_tf2" / "pre-trained" / NET
LABEL_MAP = "faces_cubes/training/label_map.pbtxt"
PIPECHECK = [sys.executable, "-c", "import sys; from pipecheck.cli.main import main; sys.exit(main())"]


def broken_config(root: Path) -> Path:
    config = root / CONFIG
    config.write_text(config.read_text().replace("num_classes: 2", "num_classes: 1"))
    return config


# ------------------------------------------------------------------ fix


def test_fix_never_writes_its_backup_through_a_dangling_link(clean_project, tmp_path):
    outside = tmp_path / "new"
    broken_config(clean_project)
    (clean_project / f"{CONFIG}.bak").symlink_to(outside)
    code, out = run_cli("fix", CONFIG, "--ram", "16GiB")
    assert code == 0, out
    assert not outside.exists() and (clean_project / f"{CONFIG}.bak").is_symlink()
    assert "num_classes: 1" in (clean_project / f"{CONFIG}.bak2").read_text()


def test_fix_on_a_linked_config_fixes_the_target_and_keeps_the_link(clean_project):
    config = broken_config(clean_project)
    target = clean_project / "faces_cubes" / "real.config"
    shutil.move(config, target)
    config.symlink_to(target)
    code, out = run_cli("fix", CONFIG, "--ram", "16GiB")
    assert code == 0, out
    assert config.is_symlink() and "num_classes: 2" in target.read_text()
    assert "num_classes: 1" in (clean_project / "faces_cubes" / "real.config.bak").read_text()


def test_fix_refuses_a_config_linked_outside_the_launch_folder(clean_project, tmp_path):
    config = broken_config(clean_project)
    target = tmp_path / "elsewhere.config"
    shutil.move(config, target)
    config.symlink_to(target)
    code, _out = run_cli("fix", CONFIG, "--ram", "16GiB")
    assert code == 2 and "num_classes: 1" in target.read_text()
    assert not list(tmp_path.glob("elsewhere.config.bak*"))


def test_fix_keeps_the_mode_and_a_full_disk_during_the_backup_leaves_nothing(clean_project, monkeypatch):
    import pipecheck.fixes.write as write

    config = broken_config(clean_project)
    config.chmod(0o640)
    real_fsync = os.fsync

    def full(descriptor):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(write.os, "fsync", full)
    code, _out = run_cli("fix", CONFIG, "--ram", "16GiB")
    assert code == 2 and not list(config.parent.glob("*.bak*")) and "num_classes: 1" in config.read_text()
    monkeypatch.setattr(write.os, "fsync", real_fsync)
    assert run_cli("fix", CONFIG, "--ram", "16GiB")[0] == 0
    assert (config.stat().st_mode & 0o777) == 0o640 and "num_classes: 2" in config.read_text()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_root_fixing_a_users_file_keeps_its_owner(clean_project):
    config = broken_config(clean_project)
    os.chown(config, 1234, 1234)
    assert run_cli("fix", CONFIG, "--ram", "16GiB")[0] == 0
    assert (config.stat().st_uid, config.stat().st_gid) == (1234, 1234)
    backup = config.with_name(config.name + ".bak")
    assert (backup.stat().st_uid, backup.stat().st_gid) == (1234, 1234)


# ------------------------------------------------------------------ init


@pytest.mark.parametrize("project", ["../x", "ABSOLUTE", "a/b", "..", ""])
def test_init_lays_out_projects_only_inside_the_launch_folder(archive, empty_root, project):
    absolute = empty_root.parent / "abs-project"
    code, _out = run_cli("init", str(archive), "--project", str(absolute) if project == "ABSOLUTE" else project)
    assert code == 2
    assert not (empty_root.parent / "x").exists() and not absolute.exists()
    assert not list(empty_root.iterdir())


def test_init_escapes_class_names_so_the_label_map_parses(archive, empty_root):
    from pipecheck.artifacts.label_map import load_label_map
    from pipecheck.schema import load_schema

    code, out = run_cli("init", str(archive), "--project", "faces_cubes", "--classes", 'a"b,c\\d,e')
    assert code == 0, out
    label_map = load_label_map(empty_root / LABEL_MAP, load_schema(empty_root).label_map_class)
    assert label_map.names == ['a"b', "c\\d", "e"]


def test_init_refuses_a_truncated_archive(archive, empty_root):
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    code, _out = run_cli("init", str(archive), "--project", "faces_cubes")
    assert code == 2 and not list(empty_root.iterdir())


@pytest.mark.parametrize("kind", ["huge", "sparse"])
def test_init_refuses_a_sparse_or_huge_member_without_writing_it(tmp_path, empty_root, kind, capsys):
    path = tmp_path / f"{NET}.tar.gz"
    with tarfile.open(path, "w:gz", format=tarfile.GNU_FORMAT) as tar:
        info = tarfile.TarInfo(f"{NET}/pipeline.config")
        info.size = 9 << 20 if kind == "huge" else 10  # 9 MiB: larger than a config may be; zeros compress well
        if kind == "sparse":
            info.type = tarfile.GNUTYPE_SPARSE  # a sparse member can expand to gigabytes when copied
        tar.addfile(info, io.BytesIO(bytes(info.size)))
    code, _out = run_cli("init", str(path), "--project", "faces_cubes")
    assert code == 2 and not list(empty_root.iterdir())
    assert (", sparse" if kind == "sparse" else "9437184 bytes") in capsys.readouterr().err


def test_init_from_a_folder_refuses_links_out_of_it(tmp_path, empty_root):
    folder = shutil.copytree(PRETRAINED, tmp_path / NET)
    secret = tmp_path / "secret.txt"
    secret.write_text("outside")
    (folder / "checkpoint" / "extra").symlink_to(secret)
    code, _out = run_cli("init", str(folder), "--project", "faces_cubes")
    assert code == 2
    assert not [p for p in empty_root.rglob("*") if p.is_file() and p.read_bytes() == b"outside"]


# ------------------------------------------------------------------ train


def test_two_trains_never_claim_the_same_run_folder(tmp_path):
    from pipecheck.wrappers.runs import claim_next_run

    (tmp_path / "checkpoint1").mkdir()
    (tmp_path / "checkpoint2").write_text("a file, not a run")
    first, second = claim_next_run(tmp_path, tmp_path), claim_next_run(tmp_path, tmp_path)
    assert (first.number, second.number) == (3, 4) and first.folder.is_dir() and second.folder.is_dir()


def test_concurrent_claims_all_get_their_own_folder(tmp_path):
    script = (
        "import sys; from pathlib import Path; from pipecheck.wrappers.runs import claim_next_run; "
        "print(claim_next_run(Path(sys.argv[1]), Path(sys.argv[1])).number)"
    )
    children = [
        subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    numbers = [int(child.communicate()[0]) for child in children]
    assert sorted(numbers) == [1, 2, 3, 4, 5, 6]


# ------------------------------------------------------------------ pre-commit, reports, CLI


def test_a_hook_file_name_that_looks_like_an_option_is_a_path(clean_project):
    real = clean_project / "real.config"
    real.write_text("keep me\n")
    trap = clean_project / "-oreal.config"
    shutil.copy(clean_project / CONFIG, trap)
    (clean_project / "-v.config").write_text("model {\n")
    result = subprocess.run(
        [*PIPECHECK, "check", "--ignore", "machine", "-oreal.config", "-v.config", CONFIG],
        cwd=clean_project,
        capture_output=True,
        text=True,
        env={**os.environ, "PRE_COMMIT": "1"},
    )
    assert real.read_text() == "keep me\n"
    assert result.returncode == 2 and "-v.config" in result.stdout


@pytest.mark.parametrize("command", [["check", CONFIG, "--format", "markdown"], ["review", CONFIG, "-o", "r.md"]])
def test_markdown_reports_carry_no_html_link_or_image_from_the_project(clean_project, command):
    from markdown_it import MarkdownIt

    (clean_project / LABEL_MAP).write_text(
        "item { id: 1 name: '<script>alert(1)</script>' }\n"
        "item { id: 2 name: '![x](https://evil.example/p.png)<img src=x onerror=alert(1)>' }\n"
    )
    code, out = run_cli(*command, "--ram", "16GiB")
    text = (clean_project / "r.md").read_text() if "-o" in command else out
    assert code in (0, 1, 3) and "evil.example" in text
    tokens = MarkdownIt().enable("table").parse(text)
    tokens += [child for token in tokens for child in (token.children or [])]
    assert not [t for t in tokens if t.type in ("image", "link_open")]
    html = [t.content for t in tokens if t.type.startswith("html")]  # pipecheck's own <details> only
    assert all(not any(word in h for word in ("script", "img", "onerror")) for h in html), html


def test_a_folder_name_that_is_not_utf8_gives_valid_sarif_and_review(clean_project, monkeypatch):
    odd = clean_project.parent / os.fsdecode(b"caf\xe9")
    odd.mkdir()
    root = Path(shutil.move(clean_project, odd / "tod_tf2"))
    monkeypatch.chdir(root)
    for args in (
        ["check", CONFIG, "--format", "sarif", "-o", "out.sarif"],
        ["check", CONFIG, "--format", "json"],
        ["review", CONFIG, "-o", "r.html"],
        ["review", CONFIG, "-o", "r.md"],
    ):
        code, _out = run_cli(*args, "--ram", "16GiB")
        assert code in (0, 1), args
    json.loads((root / "out.sarif").read_text(encoding="utf-8"))
    assert "caf\ufffd" in (root / "r.html").read_text(encoding="utf-8")


def test_a_settings_file_that_is_not_utf8_exits_2_with_its_line(clean_project, capsys):
    (clean_project / "pipecheck.toml").write_bytes(b'strict = false\nlang = "fr\xe9"\n')
    code, _out = run_cli("check", CONFIG)
    assert code == 2 and "pipecheck.toml:2" in capsys.readouterr().err


def test_a_closed_pipe_ends_quietly(clean_project):
    result = subprocess.run(
        f"{sys.executable} -c 'import sys; from pipecheck.cli.main import main; "
        f"sys.exit(main())' {CONFIG} --ram 16GiB -v | head -0",
        shell=True,
        cwd=clean_project,
        capture_output=True,
        text=True,
    )
    assert result.stderr == ""


def test_a_baseline_of_the_wrong_shape_is_refused(clean_project, capsys):
    (clean_project / "baseline.json").write_text(json.dumps({"findings": [{"rule": "PC101"}]}))
    code, _out = run_cli("check", CONFIG, "--baseline", "baseline.json")
    assert code == 2 and "not a pipecheck baseline" in capsys.readouterr().err


def test_no_plugins_runs_no_code_from_the_checkout(clean_project):
    user_rules(clean_project, "open('ran', 'w').write('x')\n")
    code, _document = lint_json("--no-plugins")
    assert code == 0 and not (clean_project / "ran").exists()
    lint_json()
    assert (clean_project / "ran").exists()


def zero_by_zero_png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 0, 0, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("output", ["r.html", "r.md"])
def test_a_0x0_image_in_the_records_does_not_break_the_review(clean_project, output):
    from pipecheck.testing.writers import detection_example, write_tfrecord

    example = detection_example(zero_by_zero_png(), 0, 0, [(0.1, 0.1, 0.5, 0.5)], ["one"], image_format=b"png")
    write_tfrecord(clean_project / "faces_cubes/training/train.record", [example] * 3)
    code, _out = run_cli("review", CONFIG, "--ram", "16GiB", "-o", output)
    assert code == 0 and (clean_project / output).stat().st_size > 0


def test_a_permission_denied_is_a_finding_even_for_root(clean_project, monkeypatch):
    import pipecheck.guarded as guarded

    real_open = os.open

    def denied(path, flags, *args, **kwargs):
        if str(path).endswith("train.record"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(guarded.os, "open", denied)
    code, report = lint_json()
    assert code == 1 and report["summary"]["crashed"] == 0
    assert any("permission denied" in f["message"] for f in report["findings"] if f["rule"] == "PC701")


def test_a_fifo_among_the_configs_does_not_block_linting_a_label_map(clean_project):
    os.mkfifo(clean_project / "faces_cubes" / "stuck.config")
    result = subprocess.run(
        [*PIPECHECK, "check", LABEL_MAP, "--ram", "16GiB"],
        cwd=clean_project,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr


def test_a_baseline_that_is_a_fifo_is_refused(clean_project, capsys):
    os.mkfifo(clean_project / "baseline.json")
    code, _out = run_cli("check", CONFIG, "--baseline", "baseline.json")
    assert code == 2 and "named pipe" in capsys.readouterr().err
