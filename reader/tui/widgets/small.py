"""The reading screen's one-line widgets: the tag bar and the status line, both built from safe Content."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from reader.model import Tag
from reader.presentation import fit_cells
from reader.text import display_safe

STATUS_TITLE_CELLS = 50  # the source's title on the status line, cut with an ellipsis beyond
MORE_HINT = " (a to type one)"  # after "+3 more" on the tag bar, when it fits


def safe_content(text: str, style: str = "") -> Content:
    """Untrusted text as Content: never parsed as markup, control characters made visible, one line."""
    return (
        Content.styled(display_safe(text).replace("\n", " "), style)
        if style
        else Content(display_safe(text).replace("\n", " "))
    )


class TagBar(Static):
    """The tags with their colours and keys 1-9, in tag-bar order, as many as fit the line; the rest are
    counted ("+3 more"), so a tag cut off at 80 columns is never silently missing."""

    _tags: tuple[Tag, ...] = ()  # what show_tags showed last, shown again to fit a new width

    def show_tags(self, tags: list[Tag] | tuple[Tag, ...]) -> None:
        self._tags = tuple(tags)
        width = self.content_size.width or self.app.size.width - 2
        items: list[Content] = []
        used = 0
        for index, tag in enumerate(tags[:9], 1):
            item = Content("").join(
                [
                    Content.styled(f" {index} ", "bold"),
                    Content.styled("■ ", tag.colour),
                    safe_content(tag.name),
                    Content("  "),
                ]
            )
            left = len(tags) - index
            # the item's trailing spaces only count when "+N more" follows it
            needed = item.cell_length + len(_more(left)) if left else item.cell_length - 2
            if items and used + needed > width:
                break
            items.append(item)
            used += item.cell_length
        if len(tags) > len(items):
            more = _more(len(tags) - len(items))
            hint = MORE_HINT if used + len(more) + len(MORE_HINT) <= width else ""
            items.append(Content.styled(more + hint, "dim"))
        self.update(Content("").join(items) if items else Content.styled("no tags yet", "dim"))

    def on_resize(self) -> None:
        if self._tags:
            self.show_tags(self._tags)


def _more(count: int) -> str:
    return f"+{count} more"


class StatusLine(Static):
    """Source, position, the annotation under the cursor and the selection, on one line."""

    def show(self, title: str, percent: int, annotation: str = "", selection: str = "") -> None:
        """One line that fits: the help key when there is room for it, else a line too long ends in '…'."""
        parts = [safe_content(fit_cells(title, STATUS_TITLE_CELLS), "bold"), Content(f"  {percent:>3}%")]
        blind = getattr(self.app, "blind_notice", "")
        if blind:  # blind coding: each author sees only their own annotations
            parts.insert(0, safe_content(f" {blind} ", "bold reverse"))
            parts.insert(1, Content(" "))
        if selection:
            parts.append(Content.styled(f"  {selection}", "reverse"))
        if annotation:
            parts.append(Content("  "))
            parts.append(safe_content(annotation))
        line = Content("").join(parts)
        width = self.content_size.width or self.app.size.width - 2
        help_key = Content.styled("   ? help", "dim")
        if line.cell_length + help_key.cell_length <= width:
            line = Content("").join([line, help_key])
        elif line.cell_length > width:
            line = line.truncate(width, ellipsis=True)
        self.update(line)
