"""planmonitor: the publiek-private planmonitor of a regional housing acceleration table.

The pipeline, in the order a round runs: catalogue and config → party workbooks → intake of
submissions → validation → merge → state and history → reports → storage backends.
"""

__version__ = "0.1.0"
