"""Every rule's Bad and Good examples (from its docstring) run against the clean course project,
through pipecheck.testing, the harness users' rules get too."""

import pytest
from support.projects import CONFIG, add_ssd_network

from pipecheck.engine.discovery import discover
from pipecheck.testing import example_cases, examples_of, run_example, targets

RULES = discover([], plugins=False).rules
CASES = example_cases(builtin=True)
COURSE_BASES = {"ssd": lambda root: str(add_ssd_network(root).relative_to(root))}


def test_every_rule_has_a_bad_and_a_good_example():
    missing = [
        spec.code for spec in RULES if {"bad", "good"} - {example.kind for example in examples_of(spec.function)}
    ]
    assert not missing, f"rules without both a Bad and a Good example: {missing}"


def test_every_good_example_is_the_counterpart_of_a_bad_one():
    """A Good example that edits something no Bad example touches shows nothing about the rule."""
    vacuous = []
    for spec in RULES:
        examples = examples_of(spec.function)
        bad_targets = set().union(*(targets(e) for e in examples if e.kind == "bad"))
        for example in examples:
            if example.kind == "good" and spec.meta is None and not targets(example) & bad_targets:
                vacuous.append(f"{spec.code} Good ({example.label or 'unlabelled'}) touches {sorted(targets(example))}")
    assert not vacuous, vacuous


@pytest.mark.parametrize("spec, example", CASES)
def test_rule_example(spec, example, clean_project):
    run_example(spec, example, clean_project, CONFIG, options=("--ram", "16GiB"), bases=COURSE_BASES)
