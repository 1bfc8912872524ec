"""What the OD API implies, computed without TensorFlow: the learning-rate schedules, the replicas
a training runs on (distribution), the machine it runs on, the RAM and time it needs (estimates),
and how often training shows each class (exposure). Rules reach these through `pipecheck.rulekit`.
"""
