"""`pipecheck lsp` end to end: a real client (pytest-lsp) talks to the server over stdio.

The server runs the course project (a copy of examples/faces_cubes), with the editor's
workspace folder set elsewhere than the launch root, as editors often do.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls")
pytest_lsp = pytest.importorskip("pytest_lsp")

from lsprotocol import types  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402
from support.projects import CONFIG, EXAMPLE  # noqa: E402

from pipecheck.report.rule_docs import rule_page_url  # noqa: E402

LABEL_MAP = "faces_cubes/training/label_map.pbtxt"


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """The committed course example, copied: tod_tf2/ is its launch root."""
    root = tmp_path_factory.mktemp("lsp") / "faces_cubes" / "tod_tf2"
    shutil.copytree(EXAMPLE / "tod_tf2", root)
    return root


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "pipecheck", "lsp"], server_env=dict(os.environ))
)
async def client(lsp_client: LanguageClient, request):
    course = request.getfixturevalue("course")
    workspace = course.parent  # faces_cubes/, one above the launch root
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            workspace_folders=[types.WorkspaceFolder(workspace.as_uri(), "faces_cubes")],
            initialization_options={"debounce": 0.01},
        )
    )
    yield
    await lsp_client.shutdown_session()


def cli_findings(course: Path) -> set[tuple[str, int]]:
    """What `pipecheck check --format json` run from the launch root finds, as an editor shows it."""
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "pipecheck", "check", CONFIG, "--format", "json"],
        cwd=course,
        capture_output=True,
        text=True,
        check=False,
    )
    findings = json.loads(done.stdout)["findings"]
    config = (course / CONFIG).resolve()
    return {(f["rule"], f["line"]) for f in findings if f["tier"] != "detail" and Path(f["file"]).resolve() == config}


async def open_and_wait(client: LanguageClient, path: Path, text: str | None = None) -> list[types.Diagnostic]:
    uri = path.as_uri()
    client.diagnostics.pop(uri, None)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri, "pipeline-config", 1, path.read_text() if text is None else text)
        )
    )
    return await diagnostics_of(client, uri)


async def diagnostics_of(client: LanguageClient, uri: str, version: int | None = None) -> list[types.Diagnostic]:
    """The next diagnostics published for `uri` (`change` forgets the previous ones)."""
    for _attempt in range(200):
        if uri in client.diagnostics:
            return list(client.diagnostics[uri])
        await asyncio.sleep(0.05)
    raise AssertionError(f"no diagnostics for {uri}")


def apply(text: str, edits: list[types.TextEdit]) -> str:
    """The text after the edits (ASCII here, so UTF-16 units are characters), last edit first."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start = offsets[edit.range.start.line] + edit.range.start.character
        end = offsets[edit.range.end.line] + edit.range.end.character
        text = text[:start] + edit.new_text + text[end:]
    return text


def change(client: LanguageClient, path: Path, version: int, text: str) -> None:
    uri = path.as_uri()
    client.diagnostics.pop(uri, None)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version, uri),
            [types.TextDocumentContentChangeWholeDocument(text)],
        )
    )


@pytest.mark.asyncio(loop_scope="function")
async def test_the_course_config_shows_what_the_cli_finds_at_its_lines(client, course):
    diagnostics = await open_and_wait(client, course / CONFIG)
    shown = {(d.code, d.range.start.line + 1) for d in diagnostics}
    assert shown == cli_findings(course)
    assert ("PC312", 113) in shown and ("PC501", 105) in shown
    pc501 = next(d for d in diagnostics if d.code == "PC501")
    assert pc501.severity == types.DiagnosticSeverity.Warning
    assert pc501.code_description.href == rule_page_url("PC501")
    line = (course / CONFIG).read_text().splitlines()[104]
    assert line[pc501.range.start.character : pc501.range.end.character] == "warmup_steps: 2000"
    quiet = [d for d in diagnostics if d.tags and types.DiagnosticTag.Unnecessary in d.tags]
    assert {d.code for d in quiet} == {"PC406"} and len(quiet) == 3  # sync_replicas & co, faded


@pytest.mark.asyncio(loop_scope="function")
async def test_num_classes_3_unsaved_shows_pc101_and_its_quick_fix_writes_2(client, course):
    path = course / CONFIG
    text = path.read_text()
    await open_and_wait(client, path)
    edited = text.replace("num_classes: 2", "num_classes: 1")
    change(client, path, 2, edited)
    diagnostics = await diagnostics_of(client, path.as_uri(), version=2)
    assert path.read_text() == text  # nothing saved
    pc101 = next(d for d in diagnostics if d.code == "PC101")
    assert pc101.range.start.line == 9 and pc101.severity == types.DiagnosticSeverity.Error
    related = pc101.related_information[0]
    assert related.location.uri == (course / LABEL_MAP).as_uri()
    assert related.location.range.start.line == 5  # "id: 2", of the item "two"
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(path.as_uri()),
            pc101.range,
            types.CodeActionContext([pc101]),
        )
    )
    fix = next(a for a in actions if a.kind == types.CodeActionKind.QuickFix and a.is_preferred)
    assert apply(edited, fix.edit.changes[path.as_uri()]) == text
    suppress = next(a for a in actions if "Suppress" in a.title)
    suppressed = apply(edited, suppress.edit.changes[path.as_uri()])
    assert suppressed.splitlines()[9].endswith("num_classes: 1  # pipecheck: ignore[PC101]")
    change(client, path, 3, suppressed)
    assert "PC101" not in {d.code for d in await diagnostics_of(client, path.as_uri(), version=3)}


@pytest.mark.asyncio(loop_scope="function")
async def test_a_broken_buffer_gets_its_syntax_error_and_the_server_goes_on(client, course):
    path = course / CONFIG
    text = path.read_text()
    await open_and_wait(client, path)
    change(client, path, 2, text.replace("num_classes: 2", "num_classes: 2 }}}"))
    broken = await diagnostics_of(client, path.as_uri(), version=2)
    # one syntax error for the braces and what they cut off; the rules run on the rest (issue 18)
    assert [(d.code, d.range.start.line) for d in broken if d.code == "PC001"] == [("PC001", 9)]
    change(client, path, 3, text.replace("num_steps: 1000", 'num_steps: "'))
    unclosed = await diagnostics_of(client, path.as_uri(), version=3)
    assert [d.range.start.line for d in unclosed if d.code == "PC001"] == [96]
    change(client, path, 4, text)
    assert {d.code for d in await diagnostics_of(client, path.as_uri(), version=4)} >= {"PC312", "PC501"}


@pytest.mark.asyncio(loop_scope="function")
async def test_an_unsaved_label_map_relints_the_config_that_reads_it(client, course):
    config, label_map = course / CONFIG, course / LABEL_MAP
    await open_and_wait(client, config)
    text = label_map.read_text()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(label_map.as_uri(), "pbtxt", 1, text))
    )
    change(client, label_map, 2, text + "item {\n  id: 3\n  name: 'three'\n}\n")
    diagnostics = await diagnostics_of(client, config.as_uri())
    for _attempt in range(100):
        if "PC101" in {d.code for d in diagnostics}:
            break
        await asyncio.sleep(0.05)
        diagnostics = client.diagnostics[config.as_uri()]
    pc101 = next(d for d in diagnostics if d.code == "PC101")
    assert "3 items" in pc101.message and label_map.read_text() == text


@pytest.mark.asyncio(loop_scope="function")
async def test_positions_are_in_the_clients_utf16_units(client, course):
    """A string holding 𝒳 (two UTF-16 units, one Python character) before the finding on its line."""
    path = course / CONFIG
    text = path.read_text().replace("  num_steps: 1000", '  fine_tune_checkpoint_type: "dé𝒳" num_stepz: 1000')
    diagnostics = await open_and_wait(client, path, text)
    syntax = next(d for d in diagnostics if d.code == "PC001")
    line = text.splitlines()[syntax.range.start.line].encode("utf-16-le")
    shown = line[2 * syntax.range.start.character : 2 * syntax.range.end.character].decode("utf-16-le")
    assert shown == "num_stepz: 1000"


def at(text: str, needle: str, offset: int = 0) -> types.Position:
    """The position of `needle` (plus `offset` characters) in an ASCII text."""
    index = text.index(needle) + offset
    return types.Position(text.count("\n", 0, index), index - (text.rfind("\n", 0, index) + 1))


@pytest.mark.asyncio(loop_scope="function")
async def test_hover_gives_the_schema_both_values_and_the_rule_behind_a_finding(client, course):
    path = course / CONFIG
    text = path.read_text()
    await open_and_wait(client, path)
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(path.as_uri()), at(text, "warmup_steps: 2000", 3))
    )
    shown = hover.contents.value
    assert (
        "**train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.warmup_steps**" in shown
    )
    assert "`uint32`" in shown and "steps of linear warmup" in shown
    assert "this config: `2000`" in shown and "zoo original: `2000` (line 105 of pre-trained/" in shown
    assert "**PC501**" in shown and f"({rule_page_url('PC501')})" in shown
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(path.as_uri()), at(text, "num_classes: 2", 2))
    )
    assert "this config: `2`" in hover.contents.value and "zoo original: `90`" in hover.contents.value


@pytest.mark.asyncio(loop_scope="function")
async def test_completion_offers_the_messages_fields_enum_values_and_project_paths(client, course):
    path = course / CONFIG
    text = path.read_text()
    await open_and_wait(client, path)

    async def labels(typed: str, anchor: str) -> list[str]:
        edited = text.replace(anchor, anchor + typed, 1)
        change(client, path, 2, edited)
        await diagnostics_of(client, path.as_uri())
        where = at(edited, anchor + typed, len(anchor + typed))
        found = await client.text_document_completion_async(
            types.CompletionParams(types.TextDocumentIdentifier(path.as_uri()), where)
        )
        return [item.label for item in found.items]

    assert "num_classes" in await labels("\n    num_c", "faster_rcnn {")  # broken text: still completes
    train_fields = await labels("\n  fine_tune", "train_config: {")
    assert set(train_fields) >= {"fine_tune_checkpoint", "fine_tune_checkpoint_type", "fine_tune_checkpoint_version"}
    assert await labels("\n  fine_tune_checkpoint_version: ", "train_config: {") == ["UNKNOWN", "V1", "V2"]
    assert await labels('\n  label_map_path: "faces_cubes/training/la', "train_input_reader: {") == [
        "faces_cubes/training/label_map.pbtxt"
    ]
    checkpoints = await labels(
        '\n  fine_tune_checkpoint: "pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint/',
        "train_config: {",
    )
    assert checkpoints == ["pre-trained/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/checkpoint/ckpt-0"]


@pytest.mark.asyncio(loop_scope="function")
async def test_definition_opens_the_file_a_path_names_and_symbols_outline_the_config(client, course):
    path = course / CONFIG
    text = path.read_text()
    await open_and_wait(client, path)
    found = await client.text_document_definition_async(
        types.DefinitionParams(types.TextDocumentIdentifier(path.as_uri()), at(text, "label_map.pbtxt", 3))
    )
    assert found.uri == (course / LABEL_MAP).as_uri()
    found = await client.text_document_definition_async(
        types.DefinitionParams(types.TextDocumentIdentifier(path.as_uri()), at(text, "checkpoint/ckpt-0", 3))
    )
    assert found.uri.endswith("/checkpoint/ckpt-0.index")
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(types.TextDocumentIdentifier(path.as_uri()))
    )
    assert [s.name for s in symbols] == [
        "model",
        "train_config",
        "train_input_reader",
        "eval_config",
        "eval_input_reader",
    ]
    train = symbols[1]
    steps = next(child for child in train.children if child.name == "num_steps")
    assert steps.detail == "1000" and steps.range.start.line == 96


@pytest.mark.asyncio(loop_scope="function")
async def test_save_lints_again_without_waiting_for_the_debounce(client, course):
    path = course / CONFIG
    await open_and_wait(client, path)
    client.diagnostics.pop(path.as_uri(), None)
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(path.as_uri())))
    assert "PC501" in {d.code for d in await diagnostics_of(client, path.as_uri())}


@pytest.mark.asyncio(loop_scope="function")
async def test_an_unsafe_fix_is_offered_marked_and_not_preferred(client, course):
    """PC509's rate fix changes a training choice: a rewrite, said unsafe, never the preferred action."""
    path = course / CONFIG
    text = path.read_text()
    diagnostics = await open_and_wait(client, path)
    pc509 = next(d for d in diagnostics if d.code == "PC509" and d.range.start.line == 101)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(path.as_uri()), pc509.range, types.CodeActionContext([pc509])
        )
    )
    fix = next(a for a in actions if a.title.startswith("Fix PC509"))
    assert "unsafe" in fix.title and fix.kind == types.CodeActionKind.RefactorRewrite and not fix.is_preferred
    assert apply(text, fix.edit.changes[path.as_uri()]).splitlines()[101].strip() == "learning_rate_base: 0.000625"


@pytest.mark.asyncio(loop_scope="function")
async def test_hostile_buffers_never_stop_the_server(client, course):
    """Control characters, NULs, deep nesting, a lone quote: each gets an answer, then a good text lints again."""
    path = course / CONFIG
    text = path.read_text()
    await open_and_wait(client, path)
    hostile = ["\x00\x1b[31m" * 50, "model {" * 5000, 'model { faster_rcnn { num_classes: "', "\ufeff" + text[:500], ""]
    for version, content in enumerate(hostile, start=2):
        change(client, path, version, content)
        await diagnostics_of(client, path.as_uri())
        where = types.Position(0, 3)
        document = types.TextDocumentIdentifier(path.as_uri())
        await client.text_document_hover_async(types.HoverParams(document, where))
        await client.text_document_completion_async(types.CompletionParams(document, where))
        await client.text_document_document_symbol_async(types.DocumentSymbolParams(document))
        await client.text_document_definition_async(types.DefinitionParams(document, where))
    change(client, path, 20, text)
    assert "PC501" in {d.code for d in await diagnostics_of(client, path.as_uri())}


@pytest.mark.asyncio(loop_scope="function")
async def test_a_config_outside_any_layout_is_linted_from_its_workspace_folder(client, tmp_path):
    lone = tmp_path / "lone" / "pipeline.config"
    lone.parent.mkdir()
    lone.write_text("model { ssd { num_classes: 3 } }\n")
    diagnostics = await open_and_wait(client, lone)
    assert diagnostics and all(d.source == "pipecheck" for d in diagnostics)


@pytest.mark.asyncio(loop_scope="function")
async def test_a_broken_label_map_buffer_gets_its_finding_at_its_line(client, course):
    config, label_map = course / CONFIG, course / LABEL_MAP
    await open_and_wait(client, config)
    text = label_map.read_text()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(label_map.as_uri(), "pbtxt", 1, text))
    )
    assert await diagnostics_of(client, label_map.as_uri()) == []
    change(client, label_map, 2, text.replace("name: 'two'", "name: 'two"))
    diagnostics = await diagnostics_of(client, label_map.as_uri())
    assert [(d.range.start.line, d.severity) for d in diagnostics] == [(6, types.DiagnosticSeverity.Error)]
    assert "quote" in diagnostics[0].message and label_map.read_text() == text


@pytest.mark.asyncio(loop_scope="function")
async def test_the_roots_lang_setting_is_the_servers_as_it_is_the_clis(client, tmp_path):
    project = tmp_path / "french"
    (project / "pre-trained").mkdir(parents=True)
    (project / "pipecheck.toml").write_text('lang = "fr"\n')
    config = project / "pipeline.config"
    config.write_text("model { ssd { num_classes: 3 } }\n")
    diagnostics = await open_and_wait(client, config)
    assert any("num_steps" in d.message and "n'est pas" in d.message for d in diagnostics), [
        d.message for d in diagnostics
    ]


NOISY_RULE = '''
from pipecheck import Finding, rule


@rule("ACME201", "noisy", category="acme", severity="warning")
def noisy(config):
    """Prints, as a careless rule might.

    Bad:
        model.ssd.num_classes: 3
    """
    print("Content-Length: 5\\r\\n\\r\\nhello", flush=True)  # on stdout, this would corrupt the protocol
    return Finding("noisy rule ran", field="model")
'''


@pytest.mark.asyncio(loop_scope="function")
async def test_a_rule_that_prints_does_not_break_the_protocol(client, tmp_path):
    project = tmp_path / "noisy"
    (project / "pre-trained").mkdir(parents=True)
    (project / "acme").mkdir()
    (project / "acme" / "noisy.py").write_text(NOISY_RULE)
    (project / "pipecheck.toml").write_text('rules_dirs = ["acme"]\n')
    config = project / "pipeline.config"
    config.write_text("model { ssd { num_classes: 3 } }\n")
    diagnostics = await open_and_wait(client, config)
    assert "ACME201" in {d.code for d in diagnostics}
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(config.as_uri()), types.Position(0, 9))
    )
    assert "num_classes" in hover.contents.value or "ssd" in hover.contents.value
