"""Read a label map (StringIntLabelMap) the way label_map_util.load_labelmap does, with positions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipecheck.textproto import LocatedMessage, parse_located


@dataclass
class LabelMapItem:
    index: int
    id: int
    name: str
    display_name: str
    line: int
    column: int
    has_name: bool
    has_id: bool


@dataclass
class LabelMap:
    path: Path
    located: LocatedMessage

    @property
    def items(self) -> list[LabelMapItem]:
        items = []
        for index, item in enumerate(self.located.message.item):
            line, column = self.located.location(f"item[{index}]")
            items.append(
                LabelMapItem(
                    index,
                    item.id,
                    item.name,
                    item.display_name,
                    line,
                    column,
                    item.HasField("name"),
                    item.HasField("id"),
                )
            )
        return items

    @property
    def ids(self) -> list[int]:
        return [item.id for item in self.located.message.item]

    @property
    def names(self) -> list[str]:
        return [item.name for item in self.located.message.item]

    @property
    def max_id(self) -> int:
        return max(self.ids, default=0)

    def __len__(self) -> int:
        return len(self.located.message.item)

    def item_location(self, index: int, field_name: str | None = None) -> tuple[int, int]:
        path = f"item[{index}]" + (f".{field_name}" if field_name else "")
        return self.located.location(path)

    def describe(self) -> str:
        from pipecheck.i18n import _, n_

        ids = sorted(self.ids)
        span = _("ids {first}..{last}", first=ids[0], last=ids[-1]) if ids else _("no ids")
        return n_("{count} item, {span}", "{count} items, {span}", len(self), span=span)


def load_label_map(path: Path, label_map_class: type, text: str | None = None) -> LabelMap:
    """Parse a label map (or `text`, an editor's unsaved content of it); raises OSError or
    TextProtoSyntaxError (with line:column)."""
    from pipecheck.guarded import read_text

    if text is None:
        text = read_text(Path(path))
    return LabelMap(Path(path), parse_located(Path(path), text, label_map_class))


def label_map_ids(path: Path, label_map_class: type) -> list[int] | None:
    """The ids a label map file gives its items; None when it cannot be read or does not parse."""
    from pipecheck.textproto import TextProtoSyntaxError

    try:
        return load_label_map(path, label_map_class).ids
    except (OSError, UnicodeDecodeError, TextProtoSyntaxError):
        return None
