"""The demo: a synthetic region's parties simulated through whole rounds, mistakes included."""

from __future__ import annotations

from .runner import run_demo

__all__ = [
    "run_demo",
]
