"""The document view in parts, as Textual splits TextArea.

layout (blocks, wrapping, rows <-> offsets), navigation (sentence, paragraph and word steps, the
selection's growth; words holds the word-level steps), highlights (named layers of coloured spans),
search (hits) and painting (the styles of a row) are plain Python with no Textual import, tested on
their own; scrolling (a Line API scroll view over the layout) and view (DocumentView: cursors, keys,
mouse) are the widget. Import from the modules (this package imports nothing, so the plain parts load
without Textual).
"""
