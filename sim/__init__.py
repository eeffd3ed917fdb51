"""Agent-based simulation of community policing (社区警务)."""
import os

# Arrow's default allocator (mimalloc) keeps the pages it frees, so reading a long run's records back
# (sim.core.logs) would grow the process by several MB per simulated year; the system allocator returns them and
# lets numpy reuse them. Read by pyarrow when it is first imported; a value set by the user wins.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

__version__ = "0.1.0"
