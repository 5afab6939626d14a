"""Former home of the semantic backend, now reader.align.semantic: this name is the same module object."""

import sys

from reader.align import semantic

sys.modules[__name__] = semantic
