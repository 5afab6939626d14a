"""reader: a keyboard-driven terminal reader for comparing sources and annotating the claims they make."""

__version__ = "0.1.0"
