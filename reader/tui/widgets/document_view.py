"""Where the screens import the document view from; it lives in reader.tui.widgets.document, in parts."""

from reader.tui.widgets.document.highlights import Highlight
from reader.tui.widgets.document.layout import wrap_line
from reader.tui.widgets.document.navigation import Span
from reader.tui.widgets.document.view import DocumentView

__all__ = ["DocumentView", "Highlight", "Span", "wrap_line"]
