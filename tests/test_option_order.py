"""Options are accepted before or after the path, for the implicit check and for every command (issue 10, 6)."""

import json

import pytest
from support.cli import run_cli
from support.projects import CONFIG, NET

from pipecheck.cli.main import build_parser, command_first

FOLDER = f"faces_cubes/training/{NET}"


def parsed(*argv):
    parser = build_parser()
    return parser.parse_args(command_first(list(argv), parser))


@pytest.mark.parametrize(
    "argv",
    [
        ("--format", "json", FOLDER),
        (FOLDER, "--format", "json"),
        ("check", FOLDER, "--format=json"),
        ("--format", "json", "check", FOLDER),
        ("--lang", "fr", "--format", "json", FOLDER),
    ],
)
def test_check_takes_its_options_anywhere(argv):
    args = parsed(*argv)
    assert args.command == "check" and args.format == "json" and [str(p) for p in args.paths] == [FOLDER]


@pytest.mark.parametrize(
    "argv,command",
    [
        ((FOLDER, "--lang", "fr"), "check"),
        (("--lang", "fr", FOLDER), "check"),
        (("rule", "PC101", "--lang", "fr"), "rule"),
        (("--lang", "fr", "rule", "PC101"), "rule"),
        (("fix", FOLDER, "--lang", "fr"), "fix"),
        (("train", "--lang", "fr", FOLDER), "train"),
        (("doctor", "--lang", "fr"), "doctor"),
        (("rules", "--lang=fr"), "rules"),
    ],
)
def test_lang_is_accepted_before_or_after_the_command(argv, command):
    args = parsed(*argv)
    assert args.command == command and args.lang == "fr"


@pytest.mark.parametrize(
    "argv",
    [
        ("--ram", "8GiB", "fix", FOLDER, "--diff"),
        ("fix", "--diff", FOLDER, "--ram", "8GiB"),
        ("--diff", "--ram", "8GiB", "fix", FOLDER),
    ],
)
def test_a_commands_options_may_come_before_its_name(argv):
    args = parsed(*argv)
    assert args.command == "fix" and args.diff and args.ram == "8GiB" and str(args.path) == FOLDER


@pytest.mark.parametrize(
    "argv,option,value",
    [
        (("--dry-run", "train", FOLDER, "--num-steps", "3"), "num_steps", 3),
        (("export", FOLDER, "--checkpoint", "2", "--tflite"), "checkpoint", 2),
        (("--checkpoint", "1", "eval", FOLDER), "checkpoint", 1),
        (("review", FOLDER, "-o", "review.html"), "output", "review.html"),
        (("-o", "review.md", "review", FOLDER), "output", "review.md"),
        (("init", "net.tar.gz", "--project", "faces_cubes"), "project", "faces_cubes"),
        (("--project", "faces_cubes", "init", "net.tar.gz"), "project", "faces_cubes"),
    ],
)
def test_every_command_takes_options_on_either_side(argv, option, value):
    assert str(getattr(parsed(*argv), option)) == str(value)


def test_the_main_help_and_version_are_still_the_main_ones(capsys):
    assert command_first(["--help"], build_parser()) == ["--help"]
    assert command_first(["--lang", "fr", "--help"], build_parser()) == ["--lang", "fr", "--help"]
    assert command_first([], build_parser()) == []


@pytest.mark.parametrize("argv", [("--version",), (FOLDER, "--version"), ("train", FOLDER, "--version")])
def test_version_is_printed_wherever_it_is_written(argv, capsys):
    with pytest.raises(SystemExit) as stopped:
        parsed(*argv)
    assert stopped.value.code == 0 and capsys.readouterr().out.startswith("pipecheck ")


def test_a_file_named_version_after_the_double_dash_is_a_path():
    assert command_first(["--", "--version"], build_parser()) == ["check", "--", "--version"]


def test_json_before_the_path_lints_for_real(course_project):
    code, out = run_cli("--format", "json", "--ram", "8GiB", FOLDER)
    assert code == 0 and json.loads(out)["findings"]


def test_french_after_the_path_lints_in_french(course_project):
    code, out = run_cli(CONFIG, "--no-diff", "--lang", "fr", "--ram", "8GiB")
    assert code == 0 and "avertissement" in out.splitlines()[-1]
