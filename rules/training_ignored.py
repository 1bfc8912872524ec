"""Training settings TF2 never reads that users rely on (PC525 on)."""

from pipecheck import Finding, _, rule

CODES = ("PC525", "PC525")


@rule("PC525", "no-tf1-freezing", category="schedule", severity="warning")
def no_tf1_freezing(config):
    """freeze_variables and update_trainable_variables are empty: model_main_tf2.py ignores them.

    Catalogue: U-07

    Why: only the TF1 paths read them (model_lib.py:603-607, legacy/trainer.py:332-334);
    model_lib_v2.py never does, so every layer trains whatever they say, with the memory
    and time that costs (tensorflow/models#10167, #9548, #10797; the fix
    tensorflow/models#10321 was never merged). Unlike the other settings TF2 ignores, users
    write these on purpose, so this is a warning.

    Bad:
        train_config.freeze_variables: ".*FeatureExtractor.*"
    Bad (the other list):
        train_config.update_trainable_variables: ".*BoxPredictor.*"
    Good (commented out, so not written):
        comment train_config.batch_size: # freeze_variables: ".*FeatureExtractor.*"
        expect train_config.freeze_variables
    """
    for name in ("freeze_variables", "update_trainable_variables"):
        patterns = list(getattr(config.train, name))
        if patterns:
            yield Finding(
                _(
                    "{name} ({patterns}) is read only by TF1's trainer: model_main_tf2.py trains every layer",
                    name=name,
                    patterns=", ".join(repr(p) for p in patterns[:3]) + (" ..." if len(patterns) > 3 else ""),
                ),
                field=f"train_config.{name}",
                hint=_(
                    "delete it; to train fewer layers in TF2, use a smaller network or edit the training loop "
                    "(tensorflow/models#10321)"
                ),
            )
