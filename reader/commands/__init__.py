"""Command-line commands grouped by topic, one module a topic, each adding its commands to `reader.cli.cli`.

`reader.cli` imports `_registered` at its end, once `cli` and its helpers exist; `_registered` imports
every topic module, one import a line.
"""
