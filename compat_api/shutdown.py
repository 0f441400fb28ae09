"""Stopping the gateway. uvicorn lets open requests finish before it runs the lifespan
shutdown, so what must happen as soon as a stop is *requested* (answering parked long polls,
which would otherwise hold the shutdown for up to 30 minutes) hooks the stop signals."""
from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def on_stop_signal(callback: Callable[[], None]) -> Iterator[None]:
    """Call ``callback`` on the running event loop when SIGINT or SIGTERM arrives, then hand the
    signal to the handler that was there before (uvicorn's, which starts the shutdown).

    Only the main thread receives signals; a server running in another thread (tests) is
    stopped without them, and this does nothing there."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()
    previous: dict[int, Any] = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}

    def handle(sig: int, frame: FrameType | None) -> None:
        loop.call_soon_threadsafe(callback)
        before = previous[sig]
        if callable(before):
            before(sig, frame)
        elif before != signal.SIG_IGN:  # the default action: terminate
            signal.signal(sig, signal.SIG_DFL)
            signal.raise_signal(sig)

    for stop in STOP_SIGNALS:
        signal.signal(stop, handle)
    try:
        yield
    finally:
        for number, before in previous.items():
            if signal.getsignal(number) is handle:
                signal.signal(number, before if before is not None else signal.SIG_DFL)
