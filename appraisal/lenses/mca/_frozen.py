"""Making the arrays held by frozen result objects read-only."""

from __future__ import annotations

from dataclasses import fields

import numpy as np

__all__ = ["freeze_arrays"]


def freeze_arrays(obj: object) -> None:
    """Replace every ndarray field of dataclass ``obj`` by a read-only copy.

    Frozen must mean frozen: a caller editing ``result.scores[0]`` in place would
    otherwise change a result that other views share.
    """
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if isinstance(value, np.ndarray):
            frozen = np.array(value, copy=True)
            frozen.flags.writeable = False
            object.__setattr__(obj, f.name, frozen)
