"""Rules about what identifies a record: its source_id, its image, how it stores masks (PC719-PC722)."""

from pipecheck import Finding, _, n_, rule

from ._common import record_place

CODES = ("PC719", "PC722")


@rule("PC719", "eval-source-ids-unique", category="records", severity="warning")
def eval_source_ids_unique(records):
    """No two evaluation records share an image/source_id.

    Catalogue: U-12

    Why: TF2 evaluation keys each image by a hash of image/source_id (inputs.py:722-725,
    _get_features_dict; an empty id is replaced by a random number, so empty ids are
    harmless), and the COCO evaluator keeps only the first image of each key, logging
    "Ignoring ground truth with image id ... since it was previously added"
    (metrics/coco_evaluation.py:112-114): mAP comes from fewer images than the records
    hold, silently (tensorflow/models#4891, #5650, #7527; conversion scripts that write the
    file name of a video frame, or one record per box, repeat it).

    Bad:
        record faces_cubes/training/test.record * image/source_id=frame.jpg
        expect eval_input_reader[0].tf_record_input_reader.input_path[0]
    Good:
        record faces_cubes/training/test.record 0 image/source_id=frame.jpg
    """
    for reader in records.evals:
        seen: dict[str, list[int]] = {}
        for facts, field in reader.located():
            for source, (count, _first) in facts.source_ids.items():
                entry = seen.setdefault(source, [0, 0])
                entry[0] += count
            repeated = {s: c for s, (c, _f) in seen.items() if c > 1}
            if not repeated:
                continue
            lost = sum(count - 1 for count in repeated.values())
            example = max(repeated, key=repeated.get)
            yield Finding(
                n_(
                    "{count} evaluation image shares its image/source_id with another (e.g. {id!r} {times} times): "
                    "the COCO evaluation ignores it",
                    "{count} evaluation images share their image/source_id with another (e.g. {id!r} {times} times): "
                    "the COCO evaluation ignores them",
                    lost,
                    id=example,
                    times=repeated[example],
                ),
                field=field,
                hint=_("write a unique image/source_id per image when converting (the file name with its folder)"),
            )
            break


@rule("PC720", "train-images-not-repeated", category="records", severity="warning")
def train_images_not_repeated(records):
    """The same image is not in several training records.

    Catalogue: U-13

    Why: conversion scripts that write one record per box (naisy/train_ssd_mobilenet#10)
    repeat the image, each copy with a subset of its boxes: every copy then teaches the
    other objects of the image as background, and the epoch counts the image several
    times. The image bytes are compared (the hash PC715 uses between the splits).

    Bad:
        record faces_cubes/training/train.record 1 image/encoded=@from:faces_cubes/training/train.record:0
        expect train_input_reader.tf_record_input_reader.input_path[0]
    Good:
        record faces_cubes/training/train.record 1 image/source_id=another
        expect train_input_reader.tf_record_input_reader.input_path[0]
    """
    reader = records.train
    if reader is None:
        return None
    first: dict[str, tuple] = {}
    repeats, example = 0, None
    for facts, field in reader.located():
        for index, digest in enumerate(facts.hashes):
            if not digest or digest == _EMPTY:
                continue
            if digest in first:
                repeats += 1
                example = example or (first[digest], (facts, index, field))
            else:
                first[digest] = (facts, index, field)
    if not repeats:
        return None
    (facts0, index0, _f0), (facts1, index1, field1) = example
    return Finding(
        n_(
            "{count} training record repeats an image of another ({first} and {second}): one record per box? "
            "each copy teaches the other objects as background",
            "{count} training records repeat an image of another ({first} and {second}): one record per box? "
            "each copy teaches the other objects as background",
            repeats,
            first=record_place(facts0, index0),
            second=record_place(facts1, index1),
        ),
        field=field1,
        hint=_("write one record per image with all its boxes"),
    )


_EMPTY = "e4a6a0577479b2b4"  # blake2b(b"", digest_size=8): records without an image are PC701's


@rule("PC721", "mask-type-matches-records", category="records")
def mask_type_matches_records(config, records):
    """The readers' mask_type is how the records store image/object/mask.

    Catalogue: U-14

    Why: with load_instance_masks the decoder reads image/object/mask as PNG strings for
    mask_type: PNG_MASKS and as floats for the default NUMERICAL_MASKS
    (data_decoders/tf_example_decoder.py:397-414, VarLenFeature of tf.string or
    tf.float32); records of the other kind stop the input pipeline with a
    type mismatch ("tfrecord data type mismatch", tensorflow/models#5582: the PET
    dataset's PNG masks with the default mask_type).

    Bad:
        train_input_reader.load_instance_masks: true
        record faces_cubes/training/train.record * image/object/mask=png-bytes
        expect train_input_reader.mask_type
    Good:
        train_input_reader.load_instance_masks: true
        train_input_reader.mask_type: PNG_MASKS
        record faces_cubes/training/train.record * image/object/mask=png-bytes
    """
    expected = {"PNG_MASKS": "bytes_list", "NUMERICAL_MASKS": "float_list", "DEFAULT": "float_list"}
    for path, reader in config.input_readers():
        found = records.readers.get(path)
        if not reader.load_instance_masks or found is None:
            continue
        mask_type = reader.DESCRIPTOR.fields_by_name["mask_type"].enum_type.values_by_number[reader.mask_type].name
        kinds = {kind for facts in found.files for kind in facts.mask_kinds}
        other = kinds - {expected.get(mask_type)}
        if mask_type in expected and other:
            stored = _("PNG bytes") if "bytes_list" in other else _("floats")
            write = "PNG_MASKS" if "bytes_list" in other else "NUMERICAL_MASKS"
            yield Finding(
                _(
                    "{reader} reads masks as {mask_type} but the records store image/object/mask as {stored}: the "
                    "input pipeline stops with a type mismatch",
                    reader=path,
                    mask_type=mask_type,
                    stored=stored,
                ),
                field=f"{path}.mask_type",
                hint=_("write mask_type: {value} in {reader}", value=write, reader=path),
                replacement=write,
            )


@rule("PC722", "ssd-learns-from-empty-images", category="records", severity="warning")
def ssd_learns_from_empty_images(config, records):
    """SSD's hard-example miner samples negatives from training images without boxes.

    Catalogue: U-15

    Why: the miner keeps max(min_negatives_per_image, max_negatives_per_positive x
    positives) negative anchors per image (core/losses.py:785-790); an image with no box has
    no positive, so with min_negatives_per_image: 0 (the zoo's value) it adds no loss at all:
    the background photos added to teach "nothing here" teach nothing (tensorflow/models
    #2544, quoting a maintainer: "adding those images don't help at all"; #6574, #3578).
    SSDs without a miner (EfficientDet's focal loss) and Faster R-CNN learn from them.

    Bad:
        base ssd
        record faces_cubes/training/train.record 0 del:image/object/bbox/xmin del:image/object/bbox/xmax del:image/object/bbox/ymin del:image/object/bbox/ymax del:image/object/class/text del:image/object/class/label
        model.ssd.loss.hard_example_miner.min_negatives_per_image: 0
        expect model.ssd.loss.hard_example_miner.min_negatives_per_image
    Good:
        base ssd
        record faces_cubes/training/train.record 0 del:image/object/bbox/xmin del:image/object/bbox/xmax del:image/object/bbox/ymin del:image/object/bbox/ymax del:image/object/class/text del:image/object/class/label
        model.ssd.loss.hard_example_miner.min_negatives_per_image: 3
    """
    if config.arch != "ssd" or not config.model.loss.HasField("hard_example_miner"):
        return None
    miner = config.model.loss.hard_example_miner
    reader = records.train
    if miner.min_negatives_per_image > 0 or reader is None or not reader.records:
        return None
    empty = sum(1 for facts in reader.files for count in facts.objects if count == 0)
    if empty == 0:
        return None
    return Finding(
        n_(
            "{count} of {total} training image has no box, and with min_negatives_per_image 0 SSD's hard-example "
            "miner takes no anchor from it: it teaches nothing",
            "{count} of {total} training images have no box, and with min_negatives_per_image 0 SSD's hard-example "
            "miner takes no anchor from them: they teach nothing",
            empty,
            total=reader.records,
        ),
        field="model.ssd.loss.hard_example_miner.min_negatives_per_image",
        hint=_("write min_negatives_per_image: 3 (or more) to learn from the images without objects"),
        severity=None if empty * 20 >= reader.records else "info",  # under 5 %: a number for -v and the review
        tier="default" if empty * 20 >= reader.records else "detail",
    )
