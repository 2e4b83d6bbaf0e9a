"""Progress reporting: the one callback type every long step accepts."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int, str], None]
"""``progress(done, total, label)``: called as work advances; ``label`` names what is being done
(usually the party). The CLI renders it as a progress bar; the library never prints."""
