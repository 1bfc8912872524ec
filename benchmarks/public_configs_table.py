"""Lint the public configs of tests/data/public_configs and print the judged table.

    python benchmarks/public_configs_table.py [--pipecheck EXE] [--markdown] [--unjudged FILE] [--tighten]
                                              [--corpus DIR] [--dump FILE] [--results DIR]

Each config is copied with the files kept beside it into a temporary folder (so that nothing
else in this repository can be mistaken for part of its project), linted from the launch root
recorded in sources.json, and its findings shown by default are looked up in judged.json:
true (a real problem, or a file that is really missing here), noise (true but not worth a line
by default: an all-is-well number, a setting TF2 ignores, a repeat of one cause) or wrong.
The table gives, per rule, the findings shown and how they were judged, then the causes (real
bugs and missing files) each config has and whether a shown true finding names them.

--pipecheck runs another build's `pipecheck` (e.g. another worktree's .venv/bin/pipecheck)
instead of this one, in a subprocess. --unjudged writes the findings judged.json does not know
yet, as a judged.json fragment to fill in. --tighten rewrites judged.json after a run: noise and
wrong findings no longer shown stop being tolerated, causes now caught become required, so that
tests/test_public_configs.py fails if either slides back. --corpus lints another folder of the same
layout (its sources.json, and its judged.json when it has one) instead of tests/data/public_configs:
the judges use it on the locked split (tests/data/locked_configs), which nothing else reads.

Without --corpus it runs the open split, and the locked split too once its judges have written
its judged.json. For each it prints the default-tier precision (findings shown by default judged
true, over all shown: an unjudged finding counts as shown, not true) and the median number of
non-empty lines of the text output per config, and records them in
benchmarks/results/public_configs_table.json.

--dump writes, per config, every finding shown by default (key, rule, file:line, message, hint,
the lead it is shown under) with the verdict judged.json holds for it, or an empty one to fill
in; it prints which are missing a verdict and which true verdicts are stale (no longer shown).

The RAM is fixed (--ram 16GiB) so that the machine rules answer the same on every computer.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OPEN = REPO / "tests" / "data" / "public_configs"
# The held-out split, judged by someone who wrote no rules; reached only through main() below.
LOCKED = REPO / "tests" / "data" / "locked_configs"
CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "public_configs"
SOURCES = CORPUS / "sources.json"
JUDGED = CORPUS / "judged.json"
RAM = "16GiB"
# a finding without a tier, or in this one, is shown by the default text output
DEFAULT_TIERS = (None, "default")
VERDICTS = ("true", "noise", "wrong")


def load_sources() -> dict:
    return json.loads(SOURCES.read_text(encoding="utf-8"))


def load_judged() -> dict:
    if not JUDGED.exists():  # a corpus nobody has judged yet (the locked split before its judges)
        return {"configs": {}}
    return json.loads(JUDGED.read_text(encoding="utf-8"))


def use_corpus(folder: Path) -> None:
    """Read the configs, sources.json and judged.json of another folder laid out like CORPUS."""
    global CORPUS, SOURCES, JUDGED
    CORPUS = folder.resolve()
    SOURCES, JUDGED = CORPUS / "sources.json", CORPUS / "judged.json"


def _run(args: list[str], pipecheck: str | None, cwd: Path) -> tuple[int, str]:
    if pipecheck:
        done = subprocess.run([pipecheck, *args], cwd=cwd, capture_output=True, text=True)
        return done.returncode, done.stdout
    from pipecheck.cli.main import main

    buffer = io.StringIO()
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(buffer):
            code = main(args)
    finally:
        os.chdir(previous)
    return code, buffer.getvalue()


def lint(config_id: str, source: dict, pipecheck: str | None = None, text: bool = False) -> dict:
    """Lint one corpus config in a private copy; the JSON document, plus the text output's non-empty lines."""
    with tempfile.TemporaryDirectory(prefix=f"pc-{config_id}-") as scratch:
        project = Path(scratch) / config_id
        shutil.copytree(CORPUS / config_id, project)
        root = project / source.get("root", ".")
        config = os.path.relpath(project / source["config"], root)
        code, out = _run(["check", config, "--format", "json", "--ram", RAM], pipecheck, root)
        try:
            document = json.loads(out)
        except json.JSONDecodeError:
            document = {"findings": [], "undecided": [], "summary": {"exit_code": code}, "unparsed": out[-2000:]}
        document["exit_code"] = code
        document["keys"] = finding_keys(document.get("findings", []), project, project / source["config"])
        if text:
            _, out = _run(["check", config, "--ram", RAM], pipecheck, root)
            document["text_lines"] = sum(1 for line in out.splitlines() if line.strip())
    return document


def finding_keys(findings: list[dict], project: Path, config: Path) -> list[tuple[str, dict]]:
    """(key, finding) for each finding; the key is rule, field and, for another file, its path in the project.

    A repeated key is numbered among the findings of the same visibility, so that a detail sharing
    the key of a finding shown by default never takes its name.
    """
    keyed, seen = [], Counter()
    for finding in findings:
        key = f"{finding['rule']} {finding.get('field') or '-'}"
        file = finding.get("file")
        if file and Path(file).resolve() != config.resolve():
            try:
                key += f" @{Path(file).resolve().relative_to(project.resolve()).as_posix()}"
            except ValueError:
                key += f" @{file}"
        seen[key, shown(finding)] += 1
        count = seen[key, shown(finding)]
        keyed.append((key if count == 1 else f"{key} #{count}", finding))
    return keyed


def shown(finding: dict) -> bool:
    return finding.get("tier") in DEFAULT_TIERS


def judge(config_id: str, document: dict, judged: dict) -> dict:
    """Verdicts of the findings shown by default, the unjudged ones, and the causes caught."""
    entry = judged["configs"].get(config_id, {"findings": {}, "causes": {}})
    verdicts, unjudged, caught = [], [], set()
    for key, finding in document["keys"]:
        if not shown(finding):
            continue
        verdict = entry["findings"].get(key)
        if verdict is None:
            unjudged.append((key, finding))
            continue
        verdicts.append((key, finding["rule"], verdict["verdict"]))
        if verdict["verdict"] == "true" and verdict.get("cause"):
            caught.add(verdict["cause"])
    return {
        "verdicts": verdicts,
        "unjudged": unjudged,
        "caught": caught,
        "causes": entry.get("causes", {}),
        "tolerated": {k for k, v in entry["findings"].items() if v["verdict"] != "true" and v.get("tolerated")},
    }


def run_all(pipecheck: str | None = None, text: bool = False) -> dict:
    sources, judged = load_sources(), load_judged()
    return {
        cid: {"document": (doc := lint(cid, src, pipecheck, text)), **judge(cid, doc, judged)}
        for cid, src in sources.items()
    }


def figures(results: dict) -> dict:
    """Default-tier precision (judged true over all shown, the unjudged counted as shown) and output lines."""
    shown = sum(len(r["verdicts"]) + len(r["unjudged"]) for r in results.values())
    true = sum(1 for r in results.values() for _key, _rule, verdict in r["verdicts"] if verdict == "true")
    unjudged = sum(len(r["unjudged"]) for r in results.values())
    lines = [r["document"]["text_lines"] for r in results.values() if "text_lines" in r["document"]]
    return {
        "configs": len(results),
        "shown": shown,
        "true": true,
        "unjudged": unjudged,
        "precision": round(true / shown, 4) if shown else None,
        "median_lines": statistics.median(lines) if lines else None,
        "max_lines": max(lines) if lines else None,
    }


def split_line(name: str, numbers: dict) -> str:
    precision = f"{numbers['precision']:.1%}" if numbers["precision"] is not None else "-"
    return (
        f"{name} split: {numbers['configs']} configs, precision {precision} ({numbers['true']} of "
        f"{numbers['shown']} shown judged true, {numbers['unjudged']} unjudged), median "
        f"{numbers['median_lines']:g} non-empty lines per config (most {numbers['max_lines']})"
    )


def dump(results: dict, judged: dict) -> tuple[dict, list[str], list[str]]:
    """Every finding shown by default, with its verdict or an empty one; the missing and the stale verdicts."""
    out, missing, stale = {}, [], []
    for cid, result in results.items():
        known = judged["configs"].get(cid, {}).get("findings", {})
        entries = {}
        for key, finding in result["document"]["keys"]:
            if not shown(finding):
                continue
            verdict = known.get(key, {})
            entries[key] = {
                "rule": finding["rule"],
                "severity": finding["severity"],
                "where": f"{finding.get('file')}:{finding.get('line')}",
                "message": finding["message"],
                "hint": finding.get("hint"),
                "shown_under": finding.get("group"),
                "verdict": verdict.get("verdict", ""),
                "reason": verdict.get("reason", ""),
                **({"cause": verdict["cause"]} if "cause" in verdict else {}),
            }
            if not verdict:
                missing.append(f"{cid}: {key}")
        stale += [f"{cid}: {key}" for key, v in known.items() if key not in entries and v["verdict"] == "true"]
        out[cid] = entries
    return out, missing, stale


def table(results: dict, markdown: bool = False) -> str:
    per_rule: dict[str, Counter] = defaultdict(Counter)
    for result in results.values():
        for _key, rule, verdict in result["verdicts"]:
            per_rule[rule][verdict] += 1
        for _key, finding in result["unjudged"]:
            per_rule[finding["rule"]]["unjudged"] += 1
    total = Counter()
    for counts in per_rule.values():
        total.update(counts)
    shown_count = sum(total.values())
    lines = []
    header = ["rule", "shown", "true", "noise", "wrong", "unjudged"]
    rows = [
        [rule, str(sum(c.values()))] + [str(c[v]) for v in (*VERDICTS, "unjudged")]
        for rule, c in sorted(per_rule.items())
    ]
    rows.append(["all", str(shown_count)] + [str(total[v]) for v in (*VERDICTS, "unjudged")])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    if markdown:
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "|".join("---" if i == 0 else "--:" for i in range(len(header))) + "|")
        lines += ["| " + " | ".join(r) + " |" for r in rows]
    else:
        lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths)))
        lines.append("  ".join("-" * w for w in widths))
        lines += [
            "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in rows
        ]
    bad = total["noise"] + total["wrong"]
    judged_count = shown_count - total["unjudged"]
    lines.append("")
    lines.append(
        f"{len(results)} configs, {shown_count} findings shown by default "
        f"(median {statistics.median(len(r['verdicts']) + len(r['unjudged']) for r in results.values()):g}"
        f" per config), {total['true']} true, {total['noise']} noise, {total['wrong']} wrong, "
        f"{total['unjudged']} unjudged"
    )
    if judged_count:
        lines.append(f"noise or wrong: {bad} of {judged_count} judged ({bad / judged_count:.0%}; the bound is 10%)")
    text_lines = [r["document"]["text_lines"] for r in results.values() if "text_lines" in r["document"]]
    if text_lines:
        lines.append(
            f"text output: median {statistics.median(text_lines):g} non-empty lines per config, most {max(text_lines)}"
        )
    causes = [(cid, c, r["causes"][c]) for cid, r in results.items() for c in r["causes"]]
    caught = [(cid, c) for cid, c, _ in causes if c in results[cid]["caught"]]
    bugs = [(cid, c) for cid, c, cause in causes if cause["kind"] == "bug"]
    lines.append(
        f"causes named by a shown true finding: {len(caught)} of {len(causes)} "
        f"(bugs in the config: {sum(c in results[cid]['caught'] for cid, c in bugs)} of {len(bugs)}; "
        f"files absent or elsewhere here: {len(caught) - sum(c in results[cid]['caught'] for cid, c in bugs)}"
        f" of {len(causes) - len(bugs)})"
    )
    missed = [
        f"  {cid}: {c} [{cause['kind']}, {cause.get('rule', '?')}]: {cause['what']}"
        for cid, c, cause in causes
        if c not in results[cid]["caught"]
    ]
    if missed:
        lines.append("missed:")
        lines += missed
    return "\n".join(lines) + "\n"


def unjudged_fragment(results: dict) -> dict:
    return {
        cid: {
            key: {"verdict": "", "reason": "", "rule": f["rule"], "severity": f["severity"], "message": f["message"]}
            for key, f in r["unjudged"]
        }
        for cid, r in results.items()
        if r["unjudged"]
    }


def tighten(results: dict) -> int:
    """Stop tolerating the noise no longer shown and require the causes now caught; the number of changes."""
    judged = load_judged()
    changes = 0
    for cid, result in results.items():
        entry = judged["configs"].get(cid)
        if not entry:
            continue
        shown_keys = {key for key, _rule, _verdict in result["verdicts"]}
        for key, verdict in entry["findings"].items():
            if verdict["verdict"] != "true" and verdict.get("tolerated") and key not in shown_keys:
                verdict["tolerated"] = False
                changes += 1
        for name, cause in entry.get("causes", {}).items():
            if name in result["caught"] and not cause.get("required"):
                cause["required"] = True
                changes += 1
    JUDGED.write_text(json.dumps(judged, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return changes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pipecheck", metavar="EXE", help="another build's pipecheck executable")
    parser.add_argument("--markdown", action="store_true", help="print the table in Markdown")
    parser.add_argument("--unjudged", type=Path, metavar="FILE", help="write the unjudged findings to FILE")
    parser.add_argument("--tighten", action="store_true", help="ratchet judged.json to what this run shows")
    parser.add_argument("--corpus", type=Path, metavar="DIR", help="lint this folder instead (e.g. the locked split)")
    parser.add_argument("--dump", type=Path, metavar="FILE", help="write every shown finding and its verdict")
    parser.add_argument(
        "--results",
        type=Path,
        metavar="DIR",
        help="write public_configs_table.json there (default: benchmarks/results, for the judged corpus only)",
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from results_file import RESULTS, Recording

    recording = Recording("public_configs_table")
    if args.corpus:
        named = {OPEN.resolve(): "open", LOCKED.resolve(): "locked"}
        corpora = [(named.get(args.corpus.resolve(), "corpus"), args.corpus)]
    else:
        corpora = [("open", OPEN)] + ([("locked", LOCKED)] if (LOCKED / "judged.json").is_file() else [])
    runs, dumped = {}, {}
    preset = os.environ.get("PIPECHECK_CACHE_DIR")
    for name, folder in corpora:
        use_corpus(folder)
        with tempfile.TemporaryDirectory(prefix="pc-cache-") as cache:
            os.environ["PIPECHECK_CACHE_DIR"] = preset or cache
            results = run_all(args.pipecheck, text=True)
        if preset is None:
            os.environ.pop("PIPECHECK_CACHE_DIR", None)
        if len(corpora) > 1:
            print(f"== {name} split ==")
        sys.stdout.write(table(results, args.markdown))
        runs[name] = results
        if args.dump:
            dumped[name], missing, stale = dump(results, load_judged())
            print(
                f"{name}: {len(missing)} shown findings without a verdict, {len(stale)} true verdicts no longer shown"
            )
            print("".join(f"  {line}\n" for line in missing + [f"stale: {key}" for key in stale]), end="")
        if name != "locked" and args.unjudged:
            args.unjudged.write_text(json.dumps(unjudged_fragment(results), indent=1, ensure_ascii=False) + "\n")
        if name != "locked" and args.tighten:
            print(f"judged.json: {tighten(results)} changes")
    print()
    for name, results in runs.items():
        print(split_line(name, figures(results)))
    if args.dump:
        args.dump.write_text(json.dumps(dumped, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    folder = args.results or (None if args.corpus else RESULTS)
    if folder is not None:
        record(recording, runs, folder)


def record(recording, runs: dict, folder: Path) -> None:
    """The judged table of the first split, in Markdown, and each split's precision and lines, for the site."""
    first = next(iter(runs.values()))
    verdicts = Counter(verdict for r in first.values() for _key, _rule, verdict in r["verdicts"])
    unjudged = sum(len(r["unjudged"]) for r in first.values())
    totals = {"configs": len(first), "shown": sum(verdicts.values()) + unjudged, "unjudged": unjudged}
    totals |= {verdict: verdicts[verdict] for verdict in VERDICTS}
    splits = {name: figures(results) for name, results in runs.items()}
    summary = [
        "`python benchmarks/public_configs_table.py` lints the public configs of `tests/data/public_configs/` "
        "and looks every finding shown by default up in `judged.json`:",
        "",
        *table(first, True).rstrip("\n").splitlines(),
        "",
        *(f"- {split_line(name, numbers)}" for name, numbers in splits.items()),
    ]
    if "locked" in splits:
        summary.append(
            "- The locked split is spent: rules were changed after its verdicts were read, so its figure here is "
            "no longer held out. The held-out figure is the one its judges took at the freeze (the locked split's README)."
        )
    recording.write(totals | {"splits": splits}, summary, folder)


if __name__ == "__main__":
    main()
