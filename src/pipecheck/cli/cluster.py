"""`pipecheck cluster PATH --workers N`: lint for N workers, then write a TFJob and a Vertex AI job for the run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipecheck.cli.arguments import MAX_GPUS, MAX_WORKERS, bounded, positive
from pipecheck.cli.common import add_project_options, add_selection_options, lint_for
from pipecheck.i18n import _


def register(commands) -> None:
    parser = commands.add_parser(
        "cluster",
        help=_("write a Kubeflow TFJob and a Vertex AI CustomJob for a multi-worker run, linted for its replicas"),
    )
    parser.add_argument("path", type=Path, metavar="PATH", help=_("the network's training folder or its config"))
    parser.add_argument(
        "--workers",
        type=bounded(MAX_WORKERS),
        required=True,
        metavar="N",
        help=_("workers, the chief included (MultiWorkerMirroredStrategy)"),
    )
    parser.add_argument(
        "--gpus-per-worker", type=int, default=0, metavar="G", help=_("GPUs of each worker (default 0)")
    )
    parser.add_argument("--image", required=True, help=_("container image with TensorFlow and the OD API"))
    parser.add_argument(
        "--model-dir",
        help=_("where the chief writes checkpoints (default: the next checkpointN; gs://... on Vertex AI)"),
    )
    parser.add_argument(
        "--workdir", default="/workspace", help=_("the launch root inside the container (default /workspace)")
    )
    parser.add_argument(
        "--volume-claim",
        metavar="NAME",
        help=_("Kubernetes PersistentVolumeClaim holding the project, mounted at --workdir"),
    )
    parser.add_argument("--machine-type", default="n1-standard-8", help=_("Vertex AI machine type"))
    parser.add_argument("--accelerator", default="NVIDIA_TESLA_T4", help=_("Vertex AI accelerator type"))
    parser.add_argument(
        "--checkpoint-every", type=positive, default=1000, metavar="N", help=_("save a checkpoint every N steps")
    )
    parser.add_argument(
        "-o",
        "--output-dir",
        type=Path,
        metavar="DIR",
        help=_("where to write the two files (default: cluster/ beside the config)"),
    )
    parser.add_argument("--force", action="store_true", help=_("write them despite lint errors"))
    parser.add_argument("--gpu-memory", metavar="SIZE", help=_("memory of one GPU of the training, e.g. 16GiB"))
    add_project_options(parser)
    add_selection_options(parser)


def run(args: argparse.Namespace) -> int:
    from pipecheck.wrappers.cluster import write_recipes
    from pipecheck.wrappers.launch import WorkflowError

    if not 0 <= args.gpus_per_worker <= MAX_GPUS:
        raise WorkflowError(_("--gpus-per-worker: must be from 0 to {high}", high=MAX_GPUS))
    # the lint sees the replicas the recipe implies, through the same options as train
    args.num_workers, args.gpus = args.workers, str(args.gpus_per_worker) if args.gpus_per_worker else None
    args.tpu = args.local_workers = args.replicas = None
    result, stop = lint_for(args, gate=True)
    if stop is not None:
        return stop
    project = result.project
    recipe = _recipe(args, project, result.config)
    folder = args.output_dir or project.config_dir / "cluster"
    # the default folder is the project's, walked through no link; a chosen --output-dir is the user's
    tfjob, vertex = write_recipes(recipe, folder, project.root if args.output_dir is None else folder.parent)
    print(
        _(
            "wrote {tfjob} (kubectl apply -f {tfjob}) and {vertex} (gcloud ai custom-jobs create --region REGION "
            "--display-name {name} --config {vertex})",
            tfjob=project.display(tfjob),
            vertex=project.display(vertex),
            name=recipe.name,
        )
    )
    if not any(value.startswith("gs://") for value in (recipe.model_dir, *recipe.records)):
        print(
            _(
                "note: the paths are the project's, from {workdir} in the container: mount the project there "
                "(--volume-claim on Kubernetes) or use gs:// paths (Vertex AI sees Cloud Storage under /gcs/)",
                workdir=recipe.workdir,
            ),
            file=sys.stderr,
        )
    return 0


def _recipe(args, project, config):
    """What the two files describe: the options, and the project's config, next run folder and records."""
    from pipecheck.wrappers.cluster import Recipe, job_name
    from pipecheck.wrappers.runs import next_run

    return Recipe(
        name=job_name(project.config_dir.name),
        image=args.image,
        workers=args.workers,
        gpus_per_worker=args.gpus_per_worker,
        pipeline=project.display(project.config_path),
        model_dir=args.model_dir or project.display(next_run(project.config_dir).folder),
        workdir=args.workdir,
        volume_claim=args.volume_claim,
        machine_type=args.machine_type,
        accelerator=args.accelerator,
        checkpoint_every=args.checkpoint_every,
        records=tuple(config.train_input.tf_record_input_reader.input_path),
    )
