"""The one test clock: the library's ``SimulatedClock`` (moves only when told to, never backwards).

Code that takes a clock object gets the clock; code that takes a ``() -> datetime`` callable gets
its bound ``clock.now``. Tests import it from here, so a move of the class in the library changes
one line.
"""

from __future__ import annotations

from catalyst.market_data.clock import SimulatedClock

__all__ = ["SimulatedClock"]
