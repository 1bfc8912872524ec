"""`pipecheck init ARCHIVE_OR_DIR --project NAME`: lay out a project from a zoo network, say what is left."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from pipecheck.i18n import _


def register(commands) -> None:
    init = commands.add_parser("init", help=_("lay out a project from a zoo network archive (or folder)"))
    init.add_argument(
        "source",
        type=Path,
        metavar="ARCHIVE_OR_DIR",
        help=_("the zoo's <net>.tar.gz, or a network folder holding pipeline.config"),
    )
    init.add_argument("--project", required=True, help=_("the project's name, e.g. faces_cubes"))
    init.add_argument(
        "--layout",
        choices=("course", "tutorial"),
        default="course",
        help=_(
            "course: <project>/training/<net> run from tod_tf2/ (default); "
            "tutorial: <project>/models/<net> run from <project>/"
        ),
    )
    init.add_argument("--root", type=Path, help=_("where to lay it out (default: current folder)"))
    init.add_argument("--classes", metavar="NAMES", help=_("also write the label map, e.g. --classes one,two"))


def run(args) -> int:
    from pipecheck.wrappers.scaffold import init_project

    classes = [name.strip() for name in args.classes.split(",") if name.strip()] if args.classes else None
    report = init_project(args.source, args.project, args.layout, args.root, classes)
    plan = report.plan

    def shown(path: Path) -> str:
        return os.path.relpath(path, plan.root) + ("/" if path.is_dir() else "")

    for path in report.created:
        what = {
            plan.pretrained: _("the zoo network, from {source}", source=args.source),
            plan.config: _("the zoo's config, untouched: edit this copy"),
        }.get(path, "")
        print(_("created  {path}", path=shown(path)) + (f"  ({what})" if what else ""))
    for path in report.reused:
        print(_("kept     {path}  (already there, left as it was)", path=shown(path)))
    print()
    steps = _left_to_do(plan, shown)
    print(_("Left to do, from {root} (every path in the config is relative to it):", root=plan.root))
    if Path.cwd().absolute() != plan.root:
        print(f"  cd {shlex.quote(os.path.relpath(plan.root))}")
    for number, (done, text) in enumerate(steps, start=1):
        print(f"  [{'x' if done else ' '}] {number}. {text}")
    return 0


def _left_to_do(plan, shown) -> list[tuple[bool, str]]:
    """The course's steps after init, each (done already, what to do)."""
    # the folder's name comes from the archive: quoted, so that a pasted step runs pipecheck, not the name
    folder = shlex.quote(shown(plan.config.parent).rstrip("/"))
    # the course's older tree names it label_map.txt; the fix writes whichever exists
    label_map = next(
        (
            plan.data_folder / name
            for name in ("label_map.pbtxt", "label_map.txt")
            if (plan.data_folder / name).exists()
        ),
        plan.data_folder / "label_map.pbtxt",
    )
    has_records = any(plan.data_folder.glob("*.record")) or any(plan.data_folder.glob("*.tfrecord"))
    return [
        (
            label_map.exists(),
            _("write the label map {path} (or run init with --classes one,two)", path=shown(label_map)),
        ),
        (has_records, _("make the records in {folder} (train.record and test.record)", folder=shown(plan.data_folder))),
        (False, _("pipecheck fix {folder}   (paths, num_classes, checkpoint, TPU leftovers)", folder=folder)),
        (
            False,
            _(
                "choose num_steps and batch_size in {config} (pipecheck check says what fits)",
                config=shown(plan.config),
            ),
        ),
        (False, _("pipecheck train {folder}", folder=folder)),
        (False, _("pipecheck export {folder}", folder=folder)),
    ]
