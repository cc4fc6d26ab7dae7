"""Imported by the worker server (flows.runtime) before it forks: stages imported and warmed once."""

import atexit
import gc
import os

from flows.runtime import die_with_parent

die_with_parent()  # first: the server must not outlive a `factwire` that is killed while it warms up

import flows.ingest  # noqa: E402, F401  # the flow and every stage, imported once for all workers
from flows.runtime import warm_stages  # noqa: E402

warm_stages()

# Everything built so far lives as long as the process: keep the collector off it, and keep
# forked workers from copying these pages when the collector would otherwise touch them.
gc.freeze()

# The server has nothing to flush when it ends (with the command that started it); a normal
# interpreter shutdown would only have DuckDB's bindings report the objects frozen above.
atexit.register(os._exit, 0)
