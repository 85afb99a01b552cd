"""One asyncio loop on a daemon thread, for the adapters that speak D-Bus with dbus-fast (the
notifier, the hold sources). Called from the thread that starts the adapter."""

from __future__ import annotations

import asyncio
import threading


def start_loop_thread(name: str, timeout: float = 5.0) -> tuple[asyncio.AbstractEventLoop,
                                                                 threading.Thread]:
    """A new event loop running on a daemon thread called `name`, once it runs."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def main() -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        loop.run_forever()

    thread = threading.Thread(target=main, name=name, daemon=True)
    thread.start()
    if not ready.wait(timeout):
        raise RuntimeError(f"the {name} event loop thread did not start")
    return loop, thread
