"""`# pipecheck: ignore[PC101]` comments, and which of them were never needed.

A comment at the end of a line covers that line; a comment on a line of its own covers the
next line that holds something. `# pipecheck: ignore-file[PC401]` covers the whole file.
Without brackets, every rule is ignored there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pipecheck.textproto.tokens import Comment

_DIRECTIVE = re.compile(r"#\s*pipecheck:\s*(?P<kind>ignore-file|ignore)\b(?:\[(?P<codes>[^\]]*)\])?")


@dataclass
class Suppression:
    file: Path
    comment_line: int
    comment_column: int
    target_line: int | None  # None: the whole file
    selectors: tuple[str, ...]  # empty: every rule
    used: bool = False
    text: str = ""

    def covers(self, finding, rule) -> bool:
        if Path(finding.file).resolve() != self.file.resolve():
            return False
        if self.target_line is not None and finding.line != self.target_line:
            return False
        return not self.selectors or any(rule.matches(selector) for selector in self.selectors)


@dataclass
class Suppressions:
    items: list[Suppression] = field(default_factory=list)

    def add_file(self, path: Path, comments: list[Comment], line_count: int, lines_with_content: set[int]) -> None:
        for comment in comments:
            match = _DIRECTIVE.search(comment.text)
            if match is None:
                continue
            selectors = tuple(s.strip() for s in (match.group("codes") or "").split(",") if s.strip())
            if match.group("kind") == "ignore-file":
                target = None
            elif comment.own_line:
                target = next((n for n in range(comment.line + 1, line_count + 1) if n in lines_with_content), None)
                if target is None:
                    continue
            else:
                target = comment.line
            self.items.append(Suppression(path, comment.line, comment.column, target, selectors, text=match.group(0)))

    def suppresses(self, finding, rule) -> bool:
        hit = False
        for item in self.items:
            if item.covers(finding, rule):
                item.used = True
                hit = True
        return hit

    def unused(self) -> list[Suppression]:
        return [item for item in self.items if not item.used]
