"""Cluster recipes for one multi-worker run: a Kubeflow Training Operator TFJob, a Vertex AI CustomJob.

Both start the OD API's own model_main_tf2.py with --num_workers on every worker; the cluster
manager writes each worker's TF_CONFIG (a chief and N-1 workers, the chief checkpoints), so no
scheduler of pipecheck's runs there. Paths are the config's, from the launch root, which is
the container's working directory: mount the project there (--volume-claim) or use gs://.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from pipecheck.i18n import _

TFJOB_FILE, VERTEX_FILE = "tfjob.yaml", "vertex-job.yaml"


@dataclass(frozen=True)
class Recipe:
    name: str  # the job's name: lower case, digits and dashes
    image: str
    workers: int
    gpus_per_worker: int
    pipeline: str  # the config, from the launch root
    model_dir: str
    workdir: str = "/workspace"
    volume_claim: str | None = None
    machine_type: str = "n1-standard-8"
    accelerator: str = "NVIDIA_TESLA_T4"
    checkpoint_every: int = 1000
    records: tuple[str, ...] = ()

    @property
    def command(self) -> list[str]:
        return [
            "python",
            "-m",
            "object_detection.model_main_tf2",
            f"--pipeline_config_path={self.pipeline}",
            f"--model_dir={self.model_dir}",
            f"--num_workers={self.workers}",
            f"--checkpoint_every_n={self.checkpoint_every}",
            "--alsologtostderr",
        ]


def job_name(text: str) -> str:
    """A Kubernetes object name (RFC 1123 label, 63 characters at most) from a network's folder name."""
    name = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")[:63].strip("-")
    return name or "od-training"


def tfjob(recipe: Recipe) -> dict:
    """The TFJob manifest: a Chief and workers-1 Workers, each with gpus_per_worker GPUs."""
    container = {"name": "tensorflow", "image": recipe.image, "command": recipe.command, "workingDir": recipe.workdir}
    if recipe.gpus_per_worker:
        container["resources"] = {"limits": {"nvidia.com/gpu": str(recipe.gpus_per_worker)}}  # a quantity
    pod = {"containers": [container]}
    if recipe.volume_claim:
        container["volumeMounts"] = [{"name": "project", "mountPath": recipe.workdir}]
        pod["volumes"] = [{"name": "project", "persistentVolumeClaim": {"claimName": recipe.volume_claim}}]
    specs = {"Chief": {"replicas": 1, "restartPolicy": "OnFailure", "template": {"spec": pod}}}
    if recipe.workers > 1:
        specs["Worker"] = {
            "replicas": recipe.workers - 1,
            "restartPolicy": "OnFailure",
            "template": {"spec": json.loads(json.dumps(pod))},
        }
    annotations = {"pipecheck/pipeline": recipe.pipeline, "pipecheck/replicas": str(replicas(recipe))}
    if recipe.records:
        annotations["pipecheck/train-records"] = ",".join(recipe.records)
    return {
        "apiVersion": "kubeflow.org/v1",
        "kind": "TFJob",
        "metadata": {"name": recipe.name, "annotations": annotations},
        "spec": {"runPolicy": {"cleanPodPolicy": "None"}, "tfReplicaSpecs": specs},
    }


def vertex_custom_job(recipe: Recipe) -> dict:
    """The CustomJobSpec for `gcloud ai custom-jobs create --config`: pool 0 the chief, pool 1 the workers."""
    machine = {"machineType": recipe.machine_type}
    if recipe.gpus_per_worker:
        machine.update(acceleratorType=recipe.accelerator, acceleratorCount=recipe.gpus_per_worker)
    container = {"imageUri": recipe.image, "command": recipe.command[:3], "args": recipe.command[3:]}
    pools = [{"machineSpec": machine, "replicaCount": 1, "containerSpec": container}]
    if recipe.workers > 1:
        pools.append(
            {"machineSpec": dict(machine), "replicaCount": recipe.workers - 1, "containerSpec": dict(container)}
        )
    return {"workerPoolSpecs": pools}


def replicas(recipe: Recipe) -> int:
    return recipe.workers * max(1, recipe.gpus_per_worker)


def to_yaml(value, indent: int = 0) -> str:
    """Block YAML for dicts, lists and scalars; strings are JSON-quoted, which YAML reads as they are."""
    pad = " " * indent
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{_key(key)}:\n{to_yaml(item, indent + 2)}")
            else:
                lines.append(f"{pad}{_key(key)}: {_scalar(item)}")
        return "\n".join(lines)
    if isinstance(value, list):
        lines = []
        for item in value:
            if isinstance(item, (dict, list)) and item:
                nested = to_yaml(item, indent + 2)
                lines.append(f"{pad}- {nested[indent + 2 :]}")
            else:
                lines.append(f"{pad}- {_scalar(item)}")
        return "\n".join(lines)
    return pad + _scalar(value)


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_./-]*", key) else json.dumps(key)


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (dict, list)):
        return "{}" if isinstance(value, dict) else "[]"
    return json.dumps(str(value), ensure_ascii=False)


def write_recipes(recipe: Recipe, folder: Path, root: Path) -> tuple[Path, Path]:
    """Write the TFJob and the Vertex AI job into `folder`, walked from `root` through no link, never over a file."""
    from pipecheck.atomic import create_new, safe_folder
    from pipecheck.wrappers.launch import WorkflowError

    targets = (folder / TFJOB_FILE, folder / VERTEX_FILE)
    existing = [str(target) for target in targets if target.exists()]
    if existing:
        raise WorkflowError(
            _(
                "{files} already exist(s): pipecheck never overwrites; choose another --output-dir",
                files=", ".join(existing),
            )
        )
    safe_folder(folder, root)
    header = _(
        "# generated by pipecheck cluster for {config}: {workers} workers, {replicas} replicas",
        config=recipe.pipeline,
        workers=recipe.workers,
        replicas=recipe.workers * max(1, recipe.gpus_per_worker),
    )
    written = []
    try:
        for target, document in zip(targets, (tfjob(recipe), vertex_custom_job(recipe))):
            # a file created meanwhile is not overwritten, a link planted meanwhile not followed
            written.append(create_new(target, f"{header}\n{to_yaml(document)}\n".encode(), root))
    except BaseException:
        for path in written:  # ours (create_new made it): the two recipes are written together or not at all
            path.unlink(missing_ok=True)
        raise
    return targets
