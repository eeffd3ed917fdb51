"""Name -> class registries for pluggable parts (deployment policies, dispatch
rules): config names are looked up here, never imported as code."""
from __future__ import annotations

from typing import Callable


def registrar(registry: dict[str, type]) -> Callable[[str], Callable[[type], type]]:
    """A ``@register("name")`` decorator that files classes into ``registry``."""
    def register(name: str):
        def deco(cls):
            cls.name = name
            registry[name] = cls
            return cls
        return deco
    return register
