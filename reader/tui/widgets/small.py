"""The reading screen's one-line widgets: the tag bar and the status line, both built from safe Content."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from reader.model import Tag
from reader.presentation import fit_cells
from reader.text import display_safe

STATUS_TITLE_CELLS = 50  # the source's title on the status line, cut with an ellipsis beyond


def safe_content(text: str, style: str = "") -> Content:
    """Untrusted text as Content: never parsed as markup, control characters made visible, one line."""
    return (
        Content.styled(display_safe(text).replace("\n", " "), style)
        if style
        else Content(display_safe(text).replace("\n", " "))
    )


class TagBar(Static):
    """The tags with their colours and keys 1-9, in tag-bar order."""

    def show_tags(self, tags: list[Tag]) -> None:
        parts: list[Content] = []
        for index, tag in enumerate(tags[:9], 1):
            parts.append(Content.styled(f" {index} ", "bold"))
            parts.append(Content.styled("■ ", tag.colour))
            parts.append(safe_content(tag.name))
            parts.append(Content("  "))
        if len(tags) > 9:
            parts.append(Content.styled(f"+{len(tags) - 9} more (a to type one)", "dim"))
        self.update(Content("").join(parts) if parts else Content.styled("no tags yet", "dim"))


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
