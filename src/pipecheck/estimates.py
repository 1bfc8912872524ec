"""Peak training RAM and seconds per step on a CPU, from what was measured with the real OD API.

Measured (../shared/research/measurements.md, TF 2.15.1 CPU, 2 cores, fp32, peak RSS):

    ssd_mobilenet_v2_320x320 (300x300 resizer)   batch 1/2/4: 1213/1378/1725 MiB, 0.152/0.263/0.522 s/step
    faster_rcnn_resnet50_v1_640x640               batch 1/2/4: 2657/3816/5732 MiB, 4.78/10.45/20.81 s/step

Measured by benchmarks/calibrate_memory.py (same stack and machine, shared with other work:
load average 3-8 on the 2 cores, so RAM is reliable and s/step is not), from scratch, num_classes 2:

    ssd_mobilenet_v2_fpnlite_320x320   batch 1/2/4: 1127/1332/1696 MiB
    ssd_mobilenet_v2_fpnlite_640x640   batch 1/2/4: 1660/2327/3770 MiB (one line with 320: pixels scale)
    ssd_efficientdet_d0_512x512        batch 1/2/4: 2057/2892/4520 MiB
    ssd_efficientdet_d1_640x640        batch 1/2/4: 3036/4871/7953 MiB
    centernet_resnet50_v1_fpn_512x512  batch 1/2/4: 1939/2517/3830 MiB
    centernet_mobilenetv2_fpn_512x512  batch 1/2/4: 1367/1784/2646 MiB
    ssd_resnet50_v1_fpn_640x640        batch 1/2:   2484/3466 MiB (batch 4 not measured in time)
    faster_rcnn_resnet101_v1_640x640   batch 1/2:   3440/4928 MiB (batch 4 not measured in time)

A least-squares line through each gives a fixed part and a part per image. Other families use
priors from backbone-only measurements (ml-anchors.md §6), marked as such: ±30 %.
Per-image activations scale with the resizer's pixels; Faster R-CNN's second stage scales
with second_stage_batch_size instead (0.35 GB per 64 proposals, measured).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MIB = 2**20
SAFETY = 1.15  # the estimate's own uncertainty on measured families, and TF's allocator slack


@dataclass(frozen=True)
class Family:
    label: str
    fixed_mib: float
    per_image_mib: float  # at the reference size, excluding the Faster R-CNN second stage
    reference_pixels: int
    measured: bool
    seconds_per_image: float | None = None  # CPU, at the reference size
    seconds_fixed: float = 0.0


_SSD_MOBILENET = Family("SSD MobileNet V2", 1040, 171, 300 * 300, True, 0.124, 0.023)
_FASTER_R50 = Family("Faster R-CNN ResNet-50", 1699, 1016 - 334, 640 * 640, True, 5.32, -0.40)
_STAGE2_MIB_PER_64 = 334

# (meta-architecture, substring of feature_extractor.type) -> family; first match wins.
FAMILIES = [
    ("faster_rcnn", "resnet50", _FASTER_R50),
    ("faster_rcnn", "resnet101", Family("Faster R-CNN ResNet-101", 1952, 1488 - 334, 640 * 640, True)),
    ("faster_rcnn", "resnet152", Family("Faster R-CNN ResNet-152", 2100, 2.0 * 682, 640 * 640, False)),
    ("faster_rcnn", "inception_resnet_v2", Family("Faster R-CNN Inception-ResNet V2", 2400, 2000, 640 * 640, False)),
    ("ssd", "mobilenet_v2_keras", _SSD_MOBILENET),
    ("ssd", "mobilenet_v2_fpn", Family("SSD MobileNet V2 FPNLite", 968, 174.5, 320 * 320, True, 0.132, 0.081)),
    ("ssd", "mobilenet_v1", Family("SSD MobileNet V1", 1100, 1.2 * 171, 320 * 320, False)),
    ("ssd", "efficientnet-b0", Family("EfficientDet D0", 1242, 820, 512 * 512, True, 0.495, 0.303)),
    ("ssd", "efficientnet-b1", Family("EfficientDet D1", 1496, 1625, 640 * 640, True)),
    ("ssd", "efficientnet", Family("EfficientDet D2+", 1496, 1625, 640 * 640, False)),  # D1's line, scaled
    ("ssd", "resnet50", Family("SSD ResNet-50 V1 FPN (RetinaNet)", 1501, 983, 640 * 640, True)),
    ("ssd", "resnet", Family("SSD ResNet FPN (RetinaNet)", 1500, 983, 640 * 640, False)),
    ("center_net", "hourglass", Family("CenterNet Hourglass-104", 1600, 1230, 512 * 512, False)),
    ("center_net", "resnet_v1_50", Family("CenterNet ResNet-50 V1 FPN", 1282, 634, 512 * 512, True)),
    ("center_net", "resnet", Family("CenterNet ResNet", 1400, 600, 512 * 512, False)),
    ("center_net", "mobilenet", Family("CenterNet MobileNet V2 FPN", 936, 427, 512 * 512, True)),
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

    def needed_bytes(self, batch: int) -> int:
        """Peak with the safety margin: what has to be free for the run to be safe."""
        return int(self.peak_bytes(batch) * SAFETY)

    def largest_batch(self, available_bytes: int) -> int:
        room = available_bytes / SAFETY / MIB - self.fixed_mib
        return max(0, math.floor(room / self.per_image_mib))

    def seconds_per_step(self, batch: int) -> float | None:
        family = self.family
        if family.seconds_per_image is None:
            return None
        scale = self.height * self.width / family.reference_pixels
        return max(0.01, family.seconds_fixed + batch * family.seconds_per_image * scale)

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
