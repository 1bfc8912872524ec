"""Rules about the boxes and images inside the records."""

from pipecheck import N_, Finding, _, n_, rule

from ._common import reader_files, record_place, record_problems

CODES = ("PC708", "PC714")

# The review's sign-off items these rules pre-fill.
BOXES_AND_IMAGES_RIGHT = N_("Boxes and images are right (look at the gallery)")
LIMITS_FIT = N_("Detection limits fit the data")


@rule("PC708", "boxes-valid", category="records", checklist=BOXES_AND_IMAGES_RIGHT)
def boxes_valid(records):
    """Boxes are fractions of the image, with min < max, and no NaN.

    Catalogue: D-02

    Why: pixel coordinates trip the OD API's "maximum box coordinate value is larger than
    1.010000" assertion (in evaluation or visualisation) or train garbage; min > max and
    NaN boxes are dropped or poison the loss silently. Empty boxes (zero width or height)
    only waste a slot (a warning).

    Bad:
        record faces_cubes/training/train.record 0 image/object/bbox/xmax[0]=250.0
        expect train_input_reader.tf_record_input_reader.input_path[0]
    Good:
        record faces_cubes/training/train.record 0 image/object/bbox/xmax[0]=0.9
    """
    yield from record_problems(
        records,
        ("box-nan", "box-pixels", "box-inverted"),
        lambda p: _("divide pixel coordinates by the image's width and height; order min before max"),
    )
    for finding in record_problems(records, ("box-empty",), lambda p: _("remove boxes with no area")):
        finding.severity = "warning"
        yield finding


def _most_objects(reader):
    best = (0, None, None)
    for facts in reader.files:
        for index, count in enumerate(facts.objects):
            if count > best[0]:
                best = (count, facts, index)
    return best


@rule("PC709", "boxes-within-reader-limit", category="records", fix="safe", checklist=LIMITS_FIT)
def boxes_within_reader_limit(records, config):
    """No image has more boxes than its input reader's max_number_of_boxes.

    Catalogue: D-01

    Why: the input pipeline pads or clips every image's boxes to max_number_of_boxes
    (default 100) and the extra boxes are dropped silently: crowded images train with
    some objects called background.

    Bad:
        train_input_reader.max_number_of_boxes: 1
    Good:
        train_input_reader.max_number_of_boxes: 4

    Fix: safe; raises max_number_of_boxes to the most boxes in one image.
    """
    for path, reader in config.input_readers():
        found = records.readers.get(path)
        if found is None:
            continue
        limit = reader.max_number_of_boxes
        most, facts, index = _most_objects(found)
        if most > limit:
            over = sum(1 for f in found.files for count in f.objects if count > limit)
            yield Finding(
                n_(
                    "{count} image holds more than max_number_of_boxes {limit} boxes (up to {most}, in "
                    "{place}): the extra boxes are dropped silently",
                    "{count} images hold more than max_number_of_boxes {limit} boxes (up to {most}, in "
                    "{place}): the extra boxes are dropped silently",
                    over,
                    limit=limit,
                    most=most,
                    place=record_place(facts, index),
                ),
                field=f"{path}.max_number_of_boxes",
                hint=_("write max_number_of_boxes: {value}", value=most),
                replacement=str(most),
            )


@rule(
    "PC710", "objects-within-detection-limit", category="records", severity="warning", fix="safe", checklist=LIMITS_FIT
)
def objects_within_detection_limit(records, config):
    """No image has more objects than the model may detect (max_total_detections).

    Catalogue: D-06

    Why: post-processing keeps at most max_total_detections boxes per image (the course
    sets 4 for its 4 cubes); an image with more objects can never be fully detected, which
    caps recall and mAP without an error.

    Bad:
        model.faster_rcnn.second_stage_post_processing.batch_non_max_suppression.max_total_detections: 2
        model.faster_rcnn.second_stage_post_processing.batch_non_max_suppression.max_detections_per_class: 2
        expect model.faster_rcnn.second_stage_post_processing.batch_non_max_suppression.max_total_detections
    Good:
        model.faster_rcnn.second_stage_post_processing.batch_non_max_suppression.max_total_detections: 4

    Fix: safe; raises max_total_detections to the most objects in one image.
    """
    nms_paths = [p for p in config.located.locations if p.endswith("batch_non_max_suppression")]
    if not nms_paths:
        return
    path = nms_paths[-1]
    limit = config.value(path).max_total_detections
    most, facts, index = 0, None, None
    for reader in records.readers.values():
        candidate = _most_objects(reader)
        if candidate[0] > most:
            most, facts, index = candidate
    if most > limit:
        yield Finding(
            _(
                "an image holds {most} objects ({place}) but max_total_detections is {limit}: the model can "
                "never find them all",
                most=most,
                place=record_place(facts, index),
                limit=limit,
            ),
            field=f"{path}.max_total_detections",
            hint=_("write max_total_detections: {value} (and max_detections_per_class no higher)", value=most),
            replacement=str(most),
        )


@rule("PC711", "images-decodable", category="records", checklist=BOXES_AND_IMAGES_RIGHT)
def images_decodable(records):
    """Every image is complete and in the format image/format says.

    Catalogue: D-02

    Why: a JPEG cut short, bytes that are no image, or a PNG stored with image/format jpeg
    stop the input pipeline when that record comes up ("Invalid JPEG data"), maybe hours in.
    pipecheck reads the images' markers and headers, not their pixels.

    Bad (cut short):
        record faces_cubes/training/train.record 0 image/encoded=@cut:2000
        expect train_input_reader.tf_record_input_reader.input_path[0]
    Bad (format):
        record faces_cubes/training/train.record 0 image/format=png
        expect train_input_reader.tf_record_input_reader.input_path[0]
    Good:
        record faces_cubes/training/train.record 0 image/format=jpeg
    """
    yield from record_problems(
        records, ("image-broken", "image-format"), lambda p: _("re-export the image and write the record again")
    )


@rule("PC712", "image-size-matches", category="records", checklist=BOXES_AND_IMAGES_RIGHT)
def image_size_matches(records):
    """image/width and image/height are the encoded image's size.

    Catalogue: D-02

    Why: the boxes were normalised with the size the conversion script believed; when it
    differs from the image (a photo rotated by its EXIF tag, a resized copy), every box of
    that image is misplaced.

    Bad:
        record faces_cubes/training/train.record 0 image/width=480
        expect train_input_reader.tf_record_input_reader.input_path[0]
    Good:
        record faces_cubes/training/train.record 0 image/width=320
    """
    yield from record_problems(
        records, ("image-size",), lambda p: _("take the size from the image itself (after applying its EXIF rotation)")
    )


@rule("PC713", "images-upright", category="records", checklist=BOXES_AND_IMAGES_RIGHT)
def images_upright(records):
    """No image carries an EXIF rotation.

    Catalogue: D-02

    Why: annotation tools show a phone photo rotated by its EXIF orientation, so the boxes
    are drawn on the rotated picture; TensorFlow's decoders ignore EXIF and read the
    pixels as stored. The boxes then sit on the wrong part of the image.

    Bad:
        record faces_cubes/training/train.record 0 image/encoded=@exif:6
        expect train_input_reader.tf_record_input_reader.input_path[0]
    Good:
        record faces_cubes/training/train.record 0 image/encoded=@exif:1
    """
    for _reader, facts, field in reader_files(records):
        turned = {o: v for o, v in facts.orientations.items() if o != "1"}
        if turned:
            count = sum(v[0] for v in turned.values())
            first = min(v[1] for v in turned.values())
            yield Finding(
                n_(
                    "{count} image carries an EXIF rotation ({orientations}), first in {place}: TensorFlow "
                    "ignores it, the boxes were drawn on the rotated photo",
                    "{count} images carry an EXIF rotation ({orientations}), first in {place}: TensorFlow "
                    "ignores it, the boxes were drawn on the rotated photos",
                    count,
                    orientations=", ".join(sorted(turned)),
                    place=record_place(facts, first),
                ),
                field=field,
                hint=_("rotate the pixels (PIL.ImageOps.exif_transpose) before annotating and converting"),
            )


@rule("PC714", "images-have-colour-channels", category="records", checklist=BOXES_AND_IMAGES_RIGHT)
def images_have_colour_channels(records):
    """JPEGs are greyscale or RGB, not CMYK.

    Catalogue: D-02

    Why: the decoder asks for 3 channels; greyscale converts, but a CMYK JPEG (print
    workflows, some scanners) fails to decode when its record comes up.

    Bad:
        record faces_cubes/training/train.record 0 image/encoded=@cmyk
        expect train_input_reader.tf_record_input_reader.input_path[0]
    Good:
        record faces_cubes/training/train.record 0 image/encoded=@exif:1
    """
    for _reader, facts, field in reader_files(records):
        cmyk = facts.channels.get("jpeg:4")
        if cmyk:
            yield Finding(
                n_(
                    "{count} JPEG is CMYK, first in {place}: it fails to decode",
                    "{count} JPEGs are CMYK, first in {place}: they fail to decode",
                    cmyk[0],
                    place=record_place(facts, cmyk[1]),
                ),
                field=field,
                hint=_("convert them to RGB before writing the records"),
            )
