"""Agent-based simulation of community policing (社区警务)."""
__version__ = "0.1.0"
