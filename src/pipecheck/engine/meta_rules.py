"""Rules the engine itself enforces; they are documented and selected like any other rule."""

from pipecheck.engine.registry import rule

CODES = ("PC000", "PC002")


@rule("PC001", "syntax-error", category="syntax", meta="syntax")
def syntax_error(config):
    """pipeline.config must parse as the OD API's TrainEvalPipelineConfig.

    Catalogue: P-01, P-02, P-03, P-04, P-05, P-06, P-07, P-10

    Why: `model_main_tf2.py` stops with a ParseError before doing anything else. pipecheck
    reports the same position with a hint for the usual causes: typographic quotes pasted
    from a web page, a string opened with ' and closed with ", an unquoted path, Windows
    backslashes, a misspelt or misplaced field (did-you-mean), a missing closing brace (with
    the line where the block opened), a value pasted inside itself, a field with no value.
    Like ruff, pipecheck parses on after an error (from the next field of the same block),
    reports every syntax error, and runs the other rules on the fields that parsed; a rule
    whose finding rests on a field an error lost says it could not decide. The summary says
    the result is partial and the exit code is 2.

    Bad (misspelt field):
        append: train_config { fine_tune_checkpoint_typ: "detection" }
    Bad (curly quotes):
        append: eval_config { metrics_set: “coco_detection_metrics” }
    Bad (missing brace):
        append: eval_config { metrics_set: "coco_detection_metrics"
    Good:
        append: eval_config { metrics_set: "coco_detection_metrics" }
    """
    return None  # the runner reports the errors the config fixture's recovering parse collected


@rule("PC002", "unused-suppression", category="suppressions", severity="warning", meta="suppressions")
def unused_suppression():
    """A `# pipecheck: ignore[...]` comment that suppressed nothing.

    Why: a suppression left behind after its problem was fixed hides the next problem
    on that line. Remove it. Suppressions naming a rule that did not run, or could not
    decide, are not reported.

    Bad:
        comment model.faster_rcnn.num_classes: # pipecheck: ignore[PC101]
    Good:
        model.faster_rcnn.num_classes: 90
        comment model.faster_rcnn.num_classes: # pipecheck: ignore[PC101]
    """
    return None  # the runner reports unused suppressions once every other rule has run
