"""The export gate: what the exported model returned on an eval image, checked against the label map.

The launcher runs the SavedModel (and the TFLite model) once and reports the class ids it
returned, the shape of every output and the top detections. The gate fails an export whose
class ids are not the label map's (an off-by-one between 0-based and 1-based ids shows up
here, not in training), whose score columns are not num_classes plus background, or whose
TFLite detections on the same image are neither the SavedModel's (within TOLERANCE) nor
explained by the two models' different NMS.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipecheck.i18n import _

TOLERANCE = 0.02  # boxes are normalised to [0, 1]; scores are in [0, 1]
COMPARED = 10  # the TFLite model's top detections looked up among the SavedModel's
# Boxes are compared for detections scoring at least this. The course's 30-step model scores
# 0.11-0.13 on TF 2.21, with neighbouring anchors over the plain background tied to the fourth
# decimal: each model kept a different one of a tied pair (boxes one anchor stride, 0.052, apart).
CONFIDENT = 0.3
NMS_IOU = 0.6  # post_processing.proto's default iou_threshold, for a config that leaves it out
IOU_ROUNDING = 0.01  # the launcher rounds boxes to 4 decimals


@dataclass
class GateResult:
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    max_box_difference: float | None = None
    max_score_difference: float | None = None


def check_export(
    outcome: dict,
    label_ids: list[int],
    num_classes: int | None,
    nms_iou: float = NMS_IOU,
    tolerance: float = TOLERANCE,
) -> GateResult:
    result = GateResult()
    _class_ids(result, _("the SavedModel"), outcome.get("class_ids"), label_ids)
    columns = (outcome.get("outputs") or {}).get("detection_multiclass_scores")
    if columns and num_classes:
        if columns[-1] == num_classes + 1:
            result.passed.append(
                _(
                    "{columns} score columns: num_classes {classes} and the background",
                    columns=columns[-1],
                    classes=num_classes,
                )
            )
        else:
            result.failed.append(
                _(
                    "the SavedModel scores {columns} classes per box, num_classes {classes} calls for "
                    "{expected} (the classes and the background)",
                    columns=columns[-1],
                    classes=num_classes,
                    expected=num_classes + 1,
                )
            )
    tflite = outcome.get("tflite") or {}
    if tflite:
        _class_ids(result, _("the TFLite model"), tflite.get("class_ids"), label_ids)
    if tflite.get("detections") is not None and outcome.get("detections"):
        _compare(result, outcome["detections"], tflite["detections"], tolerance, nms_iou)
    return result


def _class_ids(result: GateResult, model: str, returned, label_ids: list[int]) -> None:
    if returned is None or not label_ids:
        return
    known = ", ".join(map(str, sorted(label_ids)))
    unknown = sorted(set(returned) - set(label_ids))
    if unknown:
        ids = set(label_ids)
        off_by_one = all(i + 1 in ids for i in returned) or all(i - 1 in ids for i in returned)
        shifted = _(" (the label map's ids shifted by one: 0-based against 1-based?)") if off_by_one else ""
        result.failed.append(
            _(
                "{model} returned class ids {ids}, not in the label map (ids {known}){shifted}",
                model=model,
                ids=", ".join(map(str, unknown)),
                known=known,
                shifted=shifted,
            )
        )
    else:
        result.passed.append(
            _(
                "{model} returned class ids {ids}, all in the label map (ids {known})",
                model=model,
                ids=", ".join(map(str, sorted(set(returned)))) or "-",
                known=known,
            )
        )


def _compare(result: GateResult, saved: list[dict], tflite: list[dict], tolerance: float, nms_iou: float) -> None:
    """Each confident TFLite detection against the SavedModel's detections of its class.

    The two post-processings differ by design: the SavedModel's NMS is per class (a box the
    model is unsure of comes once per class) and clips boxes to the image first; the TFLite
    model's is across classes (each box once, with its best class) on unclipped boxes. So they
    are not compared rank against rank. A TFLite detection is either the SavedModel's own (a
    box of its class within the tolerance, with the same score), or one the SavedModel's NMS
    dropped: then a box of its class scoring higher overlaps it past the NMS threshold (TFLite
    can keep it when its NMS across classes already dropped that box for another class's). On
    CI a trained export's TFLite box came out 0.024 from the closest of its class, with a 0.019
    score difference: a neighbouring anchor's, where one anchor's boxes agree to 0.001. Only the
    best detection has no such excuse: both models keep the box with the highest score, so it
    must be the same, and a converted model that computes other scores or boxes fails there.
    TFLite boxes are clipped to [0, 1] before they are compared (TF 2.21 gave 1.05), and the
    message says how many needed it, since an app drawing them has to clip them too.
    Below CONFIDENT, scores of a barely trained model tie, and which of the tied boxes each
    model keeps depends on float rounding: those boxes are not compared.
    """
    if not tflite:
        result.failed.append(_("the TFLite model returned no detection"))
        return
    confident = [found for found in tflite[:COMPARED] if found["score"] >= CONFIDENT]
    if not confident:
        result.passed.append(
            _(
                "TFLite against the SavedModel: boxes not compared, no TFLite detection scores {confident} or more "
                "(a barely trained model)",
                confident=CONFIDENT,
            )
        )
        return
    outside = sum(1 for found in confident if any(not 0.0 <= v <= 1.0 for v in found["box"]))
    confident = [{**found, "box": [min(1.0, max(0.0, v)) for v in found["box"]]} for found in confident]
    best = max(confident, key=lambda found: found["score"])
    same, dropped, failures = [], 0, []
    for found in confident:
        same_class = [other for other in saved if other["class"] == found["class"]]
        if not same_class:
            failures.append(
                _(
                    "the TFLite model found class {klass} (score {score:.2f}) where the SavedModel found none of "
                    "that class",
                    klass=found["class"],
                    score=found["score"],
                )
            )
            continue
        closest = min(same_class, key=lambda other: _box_difference(found, other))
        box, score = _box_difference(found, closest), abs(found["score"] - closest["score"])
        if box <= tolerance and score <= tolerance:
            same.append((box, score))
        elif found is not best and any(
            other["score"] >= found["score"] - tolerance and _iou(found, other) >= nms_iou - IOU_ROUNDING
            for other in same_class
        ):
            dropped += 1
        else:
            failures.append(_unexplained(found, box, score, tolerance, nms_iou, found is best))
    result.max_box_difference = max((box for box, _score in same), default=None)
    result.max_score_difference = max((score for _box, score in same), default=None)
    text = _summary(result, len(confident), len(same), dropped, outside, tolerance, nms_iou)
    (result.failed if failures else result.passed).append(text)
    result.failed.extend(failures)


def _summary(result: GateResult, count: int, same: int, dropped: int, outside: int, tolerance, nms_iou) -> str:
    text = _(
        "TFLite against the SavedModel on the same image, over the {count} TFLite detections scoring {confident} "
        "or more: {same} are the SavedModel's, largest box difference {box:.4f}, largest score difference "
        "{score:.4f} (tolerance {tolerance})",
        count=count,
        confident=CONFIDENT,
        same=same,
        box=result.max_box_difference or 0.0,
        score=result.max_score_difference or 0.0,
        tolerance=tolerance,
    )
    if dropped:
        text += _(
            "; {count} more the SavedModel's NMS dropped for a higher-scoring box of the same class overlapping "
            "them by IoU {iou} or more (its NMS is per class, TFLite's across classes)",
            count=dropped,
            iou=round(nms_iou, 2),
        )
    if outside:
        text += _(
            "; {count} TFLite boxes reach outside the image, compared clipped to it as the SavedModel clips "
            "them (clip them in the app too)",
            count=outside,
        )
    return text


def _unexplained(found: dict, box: float, score: float, tolerance: float, nms_iou: float, best: bool) -> str:
    where = ", ".join(f"{v:.2f}" for v in found["box"])
    text = _(
        "the TFLite detection of class {klass} scoring {score:.2f} at [{where}] is not the SavedModel's: its "
        "closest box of that class differs by {box:.4f} and its score by {difference:.4f} (tolerance {tolerance})",
        klass=found["class"],
        score=found["score"],
        where=where,
        box=box,
        difference=score,
        tolerance=tolerance,
    )
    if best:
        return text + _(
            "; it is the best TFLite detection, and both models keep their best box whatever their NMS: the "
            "converted model computes other scores or boxes"
        )
    return text + _(", and no higher-scoring box of that class overlaps it by IoU {iou} or more", iou=round(nms_iou, 2))


def _iou(one: dict, other: dict) -> float:
    top, left = max(one["box"][0], other["box"][0]), max(one["box"][1], other["box"][1])
    bottom, right = min(one["box"][2], other["box"][2]), min(one["box"][3], other["box"][3])
    overlap = max(0.0, bottom - top) * max(0.0, right - left)
    union = _area(one) + _area(other) - overlap
    return overlap / union if union > 0 else 0.0


def _area(found: dict) -> float:
    ymin, xmin, ymax, xmax = found["box"]
    return max(0.0, ymax - ymin) * max(0.0, xmax - xmin)


def _box_difference(one: dict, other: dict) -> float:
    return max(abs(a - b) for a, b in zip(one["box"], other["box"]))
