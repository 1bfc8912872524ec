"""What a lint of some paths lints: folders and configs as given, and for a label map the configs that read it."""

from __future__ import annotations

from pathlib import Path

from pipecheck.project import PRETRAINED_FOLDERS


def expand_targets(paths: list[Path], root: Path | None) -> list[Path]:
    """Configs to lint: folders and configs as given; a label map stands for the configs that name it."""
    targets: list[Path] = []
    for path in paths:
        if path.is_file() and not path.name.endswith(".config") and path.suffix in (".pbtxt", ".txt"):
            targets += [
                c for c in _configs_under(Path(root or Path.cwd())) if path.name in _text_of(c) and c not in targets
            ]
        elif path not in targets:
            targets.append(path)
    return targets


def _text_of(config: Path) -> str:
    """A config's text to search for a label map's name; "" for a FIFO, a huge or a vanished file."""
    from pipecheck.guarded import TEXT_LIMIT, read_bytes

    try:
        return read_bytes(config, TEXT_LIMIT).decode("utf-8", "replace")
    except OSError:
        return ""


def _configs_under(root: Path) -> list[Path]:
    """The edited configs: not the zoo's, not a models/research checkout's, not the copies exports keep."""
    import re

    run_copy = re.compile(r"^(checkpoint|saved_model|tflite)[0-9]+$")
    found = []
    for config in sorted(root.rglob("*.config")):
        relative = config.relative_to(root)
        parts = set(relative.parts)
        if (
            parts & set(PRETRAINED_FOLDERS)
            or ".git" in parts
            or any(map(run_copy.match, parts))
            or "models/research/" in relative.as_posix()
        ):
            continue
        found.append(config)
    return found
