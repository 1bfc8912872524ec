"""Peak training RAM and seconds per step on a CPU, from what was measured with the real OD API.

Measured by benchmarks/calibrate_memory.py on 2026-12-01, TF 2.15.1, a quiet 2-core CPU (load
average 0.9-1.7, the run alone), fp32, from scratch, num_classes 2, the example's records; peak
RSS of the training process and the median seconds between steps:

    ssd_mobilenet_v2_320x320 (300x300 resizer) batch 1/2/4: 1088/1225/1522 MiB, 0.116/0.201/0.345 s
    ssd_mobilenet_v2_fpnlite_320x320   1092/1309/1698 MiB, 0.162/0.310/0.453 s
    ssd_mobilenet_v2_fpnlite_640x640   1618/2370/3556 MiB, 0.539/1.030/1.645 s (one line with 320)
    ssd_efficientdet_d0_512x512        2019/2807/4386 MiB, 0.533/1.032/1.794 s
    ssd_efficientdet_d1_640x640        3004/4652/7930 MiB, 0.987/2.074/3.741 s
    centernet_resnet50_v1_fpn_512x512  1913/2489/3779 MiB, 1.439/2.409/5.319 s
    centernet_mobilenetv2_fpn_512x512  1325/1732/2609 MiB, 0.346/0.650/1.190 s
    ssd_resnet50_v1_fpn_640x640        2451/3393/5382 MiB, 2.812/5.277/12.028 s
    faster_rcnn_resnet50_v1_640x640    2590/3862/6523 MiB, 2.183/4.100/8.485 s
    faster_rcnn_resnet101_v1_640x640   3407/4763/8005 MiB, 3.100/5.932/13.248 s

A least-squares line through each gives a fixed part and a part per image, for RAM and for time
(`calibrate_memory.py --fit`). Other families use priors from backbone-only measurements
(ml-anchors.md §6), marked as such: ±30 %, and no time. Per-image RAM scales with the resizer's
pixels, time with the pixels to TIME_PIXEL_EXPONENT; Faster R-CNN's second stage scales with
second_stage_batch_size instead (0.33 GB per 64 proposals, measured).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MIB = 2**20
SAFETY = 1.15  # the estimate's own uncertainty on measured families, and TF's allocator slack
# Seconds per step grow with the resizer's pixels to this power, fitted on SSD MobileNet V2 FPNLite
# at 320 and 640 (calibrate_memory.py --fit): worst row 12 % off, against 30 % for time linear in pixels.
TIME_PIXEL_EXPONENT = 0.87


@dataclass(frozen=True)
class Family:
    label: str
    fixed_mib: float
    per_image_mib: float  # at the reference size, excluding the Faster R-CNN second stage
    reference_pixels: int
    measured: bool
    seconds_per_image: float | None = None  # CPU, at the reference size
    seconds_fixed: float = 0.0


_SSD_MOBILENET = Family("SSD MobileNet V2", 939, 145, 300 * 300, True, 0.076, 0.045)
_FASTER_R50 = Family("Faster R-CNN ResNet-50", 1259, 980, 640 * 640, True, 2.114, -0.009)
_STAGE2_MIB_PER_64 = 334

# (meta-architecture, substring of feature_extractor.type) -> family; first match wins.
FAMILIES = [
    ("faster_rcnn", "resnet50", _FASTER_R50),
    ("faster_rcnn", "resnet101", Family("Faster R-CNN ResNet-101", 1786, 1211, 640 * 640, True, 3.422, -0.558)),
    ("faster_rcnn", "resnet152", Family("Faster R-CNN ResNet-152", 2100, 2.0 * 682, 640 * 640, False)),
    ("faster_rcnn", "inception_resnet_v2", Family("Faster R-CNN Inception-ResNet V2", 2400, 2000, 640 * 640, False)),
    ("ssd", "mobilenet_v2_keras", _SSD_MOBILENET),
    ("ssd", "mobilenet_v2_fpn", Family("SSD MobileNet V2 FPNLite", 990, 163, 320 * 320, True, 0.101, 0.080)),
    ("ssd", "mobilenet_v1", Family("SSD MobileNet V1", 1100, 1.2 * 171, 320 * 320, False)),
    ("ssd", "efficientnet-b0", Family("EfficientDet D0", 1230, 789, 512 * 512, True, 0.415, 0.152)),
    ("ssd", "efficientnet-b1", Family("EfficientDet D1", 1366, 1641, 640 * 640, True, 0.906, 0.154)),
    ("ssd", "efficientnet", Family("EfficientDet D2+", 1366, 1641, 640 * 640, False)),  # D1's line, scaled
    ("ssd", "resnet50", Family("SSD ResNet-50 V1 FPN (RetinaNet)", 1457, 979, 640 * 640, True, 3.115, -0.563)),
    ("ssd", "resnet", Family("SSD ResNet FPN (RetinaNet)", 1500, 983, 640 * 640, False)),
    ("center_net", "hourglass", Family("CenterNet Hourglass-104", 1600, 1230, 512 * 512, False)),
    ("center_net", "resnet_v1_50", Family("CenterNet ResNet-50 V1 FPN", 1268, 625, 512 * 512, True, 1.317, -0.016)),
    ("center_net", "resnet", Family("CenterNet ResNet", 1400, 600, 512 * 512, False)),
    ("center_net", "mobilenet", Family("CenterNet MobileNet V2 FPN", 886, 430, 512 * 512, True, 0.280, 0.076)),
]


@dataclass(frozen=True)
class TrainingEstimate:
    family: Family
    height: int
    width: int
    fixed_mib: float
    per_image_mib: float

    def peak_bytes(self, batch: int) -> int:
        return int((self.fixed_mib + batch * self.per_image_mib) * MIB)

    def needed_bytes(self, batch: int, margin: float = SAFETY - 1) -> int:
        """Peak with the safety margin (a share of it): what has to be free for the run to be safe."""
        return int(self.peak_bytes(batch) * (1 + margin))

    def largest_batch(self, available_bytes: int, margin: float = SAFETY - 1) -> int:
        room = available_bytes / (1 + margin) / MIB - self.fixed_mib
        return max(0, math.floor(room / self.per_image_mib))

    def seconds_per_step(self, batch: int) -> float | None:
        family = self.family
        if family.seconds_per_image is None:
            return None
        scale = self.height * self.width / family.reference_pixels
        return max(0.01, (family.seconds_fixed + batch * family.seconds_per_image) * scale**TIME_PIXEL_EXPONENT)

    def describe(self) -> str:
        from pipecheck.i18n import _

        how = _("measured") if self.family.measured else _("prior, ±30 %")
        return _(
            "{family} at {height}x{width}: {fixed:.1f} GiB + {per_image:.2f} GiB per image ({how})",
            family=self.family.label,
            height=self.height,
            width=self.width,
            fixed=self.fixed_mib / 1024,
            per_image=self.per_image_mib / 1024,
            how=how,
        )


def family_of(arch: str | None, extractor_type: str) -> Family | None:
    for meta, fragment, family in FAMILIES:
        if arch == meta and fragment in extractor_type:
            return family
    return None


def estimate_training(config) -> TrainingEstimate | None:
    """RAM model for a config, or None for architectures nothing is known about."""
    family = family_of(config.arch, config.feature_extractor_type())
    size = config.image_size()
    if family is None or size is None:
        return None
    height, width = size
    per_image = family.per_image_mib * height * width / family.reference_pixels
    if config.arch == "faster_rcnn":
        model = config.model
        proposals = (
            model.first_stage_max_proposals if model.HasField("hard_example_miner") else model.second_stage_batch_size
        )
        per_image += _STAGE2_MIB_PER_64 * proposals / 64
    return TrainingEstimate(family, height, width, family.fixed_mib, per_image)
