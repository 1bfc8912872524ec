"""The export gate: what the exported model returned on an eval image, checked against the label map.

The launcher runs the SavedModel (and the TFLite model) once and reports the class ids it
returned, the shape of every output and the top detections. The gate fails an export whose
class ids are not the label map's (an off-by-one between 0-based and 1-based ids shows up
here, not in training), whose score columns are not num_classes plus background, or whose
TFLite boxes and scores differ from the SavedModel's on the same image beyond TOLERANCE.
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


@dataclass
class GateResult:
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    max_box_difference: float | None = None
    max_score_difference: float | None = None


def check_export(
    outcome: dict, label_ids: list[int], num_classes: int | None, tolerance: float = TOLERANCE
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
        _compare(result, outcome["detections"], tflite["detections"], tolerance)
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


def _compare(result: GateResult, saved: list[dict], tflite: list[dict], tolerance: float) -> None:
    """Each confident TFLite detection against the SavedModel's closest box of the same class.

    The two post-processings differ by design: the SavedModel's NMS is per class (a box the
    model is unsure of comes once per class), the TFLite model's is across classes (each box
    once, with its best class). So they are not compared rank against rank: a TFLite detection
    is matched with the SavedModel's detections of its class, and the closest box decides.
    The SavedModel also clips its boxes to the image and TFLite does not (a box reaching 1.05
    on TF 2.21): TFLite boxes are clipped to [0, 1] before they are compared, and the message
    says how many needed it, since an app drawing them has to clip them too.
    Below CONFIDENT, scores of a barely trained model tie, and which of the tied boxes each
    model keeps depends on float rounding: those boxes are not compared.
    """
    if not tflite:
        result.failed.append(_("the TFLite model returned no detection"))
        return
    confident = [found for found in tflite[:COMPARED] if found["score"] >= CONFIDENT]
    outside = sum(1 for found in confident if any(not 0.0 <= v <= 1.0 for v in found["box"]))
    confident = [{**found, "box": [min(1.0, max(0.0, v)) for v in found["box"]]} for found in confident]
    box_worst = score_worst = 0.0
    unmatched = []
    for found in confident:
        same_class = [other for other in saved if other["class"] == found["class"]]
        if not same_class:
            unmatched.append(found)
            continue
        closest = min(same_class, key=lambda other: _box_difference(found, other))
        box_worst = max(box_worst, _box_difference(found, closest))
        score_worst = max(score_worst, abs(found["score"] - closest["score"]))
    result.max_box_difference = box_worst if confident else None
    result.max_score_difference = score_worst if confident else None
    for found in unmatched:
        result.failed.append(
            _(
                "the TFLite model found class {klass} (score {score:.2f}) where the SavedModel found none of that class",
                klass=found["class"],
                score=found["score"],
            )
        )
    if not confident:
        result.passed.append(
            _(
                "TFLite against the SavedModel: boxes not compared, no TFLite detection scores {confident} or more "
                "(a barely trained model)",
                confident=CONFIDENT,
            )
        )
        return
    text = _(
        "TFLite against the SavedModel on the same image, over the {count} TFLite detections scoring {confident} "
        "or more: largest box difference {box:.4f}, largest score difference {score:.4f} (tolerance {tolerance})",
        count=len(confident),
        confident=CONFIDENT,
        box=box_worst,
        score=score_worst,
        tolerance=tolerance,
    )
    if outside:
        text += _(
            "; {count} TFLite boxes reach outside the image, compared clipped to it as the SavedModel clips "
            "them (clip them in the app too)",
            count=outside,
        )
    (result.failed if max(box_worst, score_worst) > tolerance else result.passed).append(text)


def _box_difference(one: dict, other: dict) -> float:
    return max(abs(a - b) for a, b in zip(one["box"], other["box"]))
