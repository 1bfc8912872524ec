"""The fuzz tier's parser target (issue 23): pipecheck's located parser against protobuf's text_format.

Hypothesis writes the corners text format allows (inf and nan, 1e400, hex and octal integers,
angle brackets for blocks, adjacent strings that concatenate, enums by number, the bool
spellings) into a small train_config; pipecheck's parser must accept exactly what
`text_format.Merge` accepts, and build the same message. Fixed seed, bounded count (see test_fuzz.py).
"""

import os
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

EXAMPLES = int(os.environ.get("PIPECHECK_FUZZ_EXAMPLES", "60")) * 4  # each example is a parse, not a lint
FUZZ = settings(
    max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)

FLOAT_CORNERS = [
    "inf",
    "-inf",
    "nan",
    "-nan",
    "infinity",
    "-Infinity",
    "NaN",
    "1e400",
    "-1e400",
    "1e39",
    "1e-400",
    "1.5f",
    "2F",
    "0x10",
    "010",
    "01.5",
    ".5",
    "5.",
    "-0",
    "+1",
    "1e",
    "1.2.3",
    "0.04",
    "4e-2",
    "1_0",
    "- 1",
    "-inf f",
    "infx",
    "nanf",
    "-nanf",
    "1e+5",
    "1E5",
    "0.",
    "00",
    "- inf",
]
INT_CORNERS = [
    "0x10",
    "0X1f",
    "-0x10",
    "010",
    "08",
    "0",
    "-0",
    "2147483647",
    "2147483648",
    "-2147483648",
    "-2147483649",
    "4294967296",
    "1e3",
    "1.0",
    "0x",
    "+5",
    "1f",
    "0b1",
    "9223372036854775808",
    "- 5",
    "0x7fffffff",
    "0x80000000",
    "-0x80000000",
    "017777777777",
    "020000000000",
    "inf",
    "nan",
]
STRING_CORNERS = [
    '"a" "b"',
    "'a' \"b\"",
    '"a"\n"b"',
    r'"\x41\101\n"',
    r'"\u00e9"',
    '"\\""',
    "'it''s'",
    '"open',
    '""',
    "a",
    r'"\400"',
    r'"\x"',
    r'"C:\data"',
    '"é"',
    "'a' 'b' 'c'",
    r'"\'"',
    r"'\"'",
    r'"\?"',
]
ENUM_CORNERS = ["V1", "V2", "1", "2", "0", "3", "-1", "v2", "0x2", "INVALID_CHECKPOINT_VERSION", '"V2"', "01", "2.0"]
BOOL_CORNERS = ["true", "false", "True", "False", "t", "f", "1", "0", "2", "yes", "TRUE", '"true"', "0x1", "-1"]
FLOATS = st.one_of(
    st.sampled_from(FLOAT_CORNERS),
    st.floats(allow_nan=False, width=64).map(repr),
    st.integers(-(2**70), 2**70).map(str),
)
INTS = st.one_of(st.sampled_from(INT_CORNERS), st.integers(-(2**40), 2**40).map(str))
STRINGS = st.one_of(
    st.sampled_from(STRING_CORNERS),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters='"\\\n\r'), max_size=8).map(lambda s: f'"{s}"'),
)
ENUMS = st.sampled_from(ENUM_CORNERS)
BOOLS = st.sampled_from(BOOL_CORNERS)
RATE = "optimizer {{ momentum_optimizer {{ learning_rate {{ constant_learning_rate {{ learning_rate: {} }} }} }} }}"
EVERY_CORNER = (
    [(RATE, corner) for corner in FLOAT_CORNERS]
    + [("batch_size: {}", corner) for corner in INT_CORNERS]
    + [("max_number_of_boxes: {}", corner) for corner in INT_CORNERS]
    + [("fine_tune_checkpoint: {}", corner) for corner in STRING_CORNERS]
    + [("fine_tune_checkpoint_version: {}", corner) for corner in ENUM_CORNERS]
    + [("use_bfloat16: {}", corner) for corner in BOOL_CORNERS]
)


@st.composite
def train_configs(draw) -> str:
    """A train_config whose values and block brackets come from the corners above."""

    def block(name: str, body: str) -> str:
        colon = draw(st.sampled_from(["", ":"]))
        left, right = draw(st.sampled_from([("{", "}"), ("<", ">")]))
        return f"{name}{colon} {left} {body} {right}"

    rate = block("constant_learning_rate", f"learning_rate: {draw(FLOATS)}")
    optimizer = block("optimizer", block("momentum_optimizer", block("learning_rate", rate)))
    fields = [
        f"batch_size: {draw(INTS)}",
        f"fine_tune_checkpoint: {draw(STRINGS)}",
        f"fine_tune_checkpoint_version: {draw(ENUMS)}",
        f"use_bfloat16: {draw(BOOLS)}",
        f"max_number_of_boxes: {draw(INTS)}",
        optimizer,
    ]
    chosen = draw(st.lists(st.sampled_from(fields), min_size=1, max_size=len(fields), unique=True))
    return block("train_config", " ".join(chosen))


def same(left, right) -> bool:
    """Equal messages, NaN included (NaN != NaN, but both parsers read `nan` as NaN)."""
    from google.protobuf import text_format

    def shown(message) -> str:
        return text_format.MessageToString(message, as_one_line=True)

    return shown(left) == shown(right)


@pytest.fixture(scope="module")
def pipeline_class():
    from pipecheck.schema import load_schema

    return load_schema(Path.cwd()).pipeline_class


def compare(pipeline_class, text: str) -> None:
    from google.protobuf import text_format

    from pipecheck.textproto.located import parse_located
    from pipecheck.textproto.tokens import TextProtoSyntaxError

    try:
        theirs = text_format.Merge(text, pipeline_class())
    except text_format.ParseError:
        theirs = None
    try:
        ours = parse_located(Path("pipeline.config"), text, pipeline_class).message
    except TextProtoSyntaxError:
        ours = None
    assert (ours is None) == (theirs is None), (text, "pipecheck" if ours is None else "text_format", "refused")
    if ours is not None:
        assert same(ours, theirs), (text, str(ours), str(theirs))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # protobuf decodes "\\d" with unicode_escape
@pytest.mark.parametrize("template, corner", EVERY_CORNER)
def test_every_corner_parses_as_text_format_parses_it(pipeline_class, template, corner):
    compare(pipeline_class, "train_config { " + template.format(corner) + " }")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@FUZZ
@given(text=train_configs())
def test_pipechecks_parser_accepts_and_builds_what_text_format_does(pipeline_class, text):
    compare(pipeline_class, text)
