"""A fault-injecting TCP proxy for tests (notes/central-store.md §3.1-§3.2).

Stands between the counters and PostgreSQL, on 127.0.0.1 only, and on demand:
resets every connection (RST), cuts a connection just before a COMMIT reaches the
server, just after it was forwarded, or drops the server's reply to it (the server
committed, the client never hears so), cuts streams at random points, hangs
(forwards nothing for a while, then resets or resumes) and adds latency.

One asyncio loop on one thread; bounded: it stops by itself after `lifetime_s`, and
`stop()` closes every connection and joins the thread.

Frames are matched whole (`Q`/`C` + length + "COMMIT\\0"): a bare b"COMMIT" would also
match "BEGIN ISOLATION LEVEL READ COMMITTED". psycopg sends COMMIT with the simple
query protocol outside pipeline mode; loopback test servers run without TLS.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import threading
from collections import Counter
from dataclasses import dataclass, field

# Frontend Query("COMMIT") and backend CommandComplete("COMMIT"): type, int32 length
# (4 + 7), text with its NUL.
PG_COMMIT_QUERY = b"Q\x00\x00\x00\x0bCOMMIT\x00"
PG_COMMIT_COMPLETE = b"C\x00\x00\x00\x0bCOMMIT\x00"

_CHUNK = 65536
LISTEN_HOST = "127.0.0.1"  # never a routable address: the proxy accepts anyone who connects


@dataclass(eq=False)
class _Link:
    """One proxied connection: the client side and the upstream side."""

    client: asyncio.StreamWriter
    server: asyncio.StreamWriter
    # Set when this connection's COMMIT was forwarded under an armed "drop the reply".
    drop_commit_reply: bool = False
    closed: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


def _abort(writer: asyncio.StreamWriter) -> None:
    """Closes with RST (SO_LINGER 0), not FIN: the peer sees a reset connection."""
    transport = writer.transport
    if transport.is_closing():
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


class FaultProxy:
    def __init__(
        self,
        target_port: int,
        *,
        target_host: str = "127.0.0.1",
        lifetime_s: float = 300.0,
        seed: int | None = None,
    ) -> None:
        self.target = (target_host, target_port)
        self.lifetime_s = lifetime_s
        self.port = 0
        self.address: tuple[str, int] = (LISTEN_HOST, 0)
        self.stats: Counter[str] = Counter()
        self._rng = random.Random(seed)
        self._armed: Counter[str] = Counter()
        self._latency_s = 0.0
        self._hang_until = 0.0  # loop time
        self._links: set[_Link] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    # --- life cycle --------------------------------------------------------------------

    def start(self) -> int:
        """Starts listening on 127.0.0.1; returns the port."""
        if self._thread is not None:
            raise RuntimeError("the proxy was started already")
        self._thread = threading.Thread(target=self._serve, name="faultproxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10) or self._error is not None:
            raise RuntimeError(f"fault proxy did not start: {self._error!r}")
        return self.port

    def stop(self) -> None:
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            # RuntimeError: the loop ended by itself (lifetime) meanwhile.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stopping.set)
        if self._thread is not None:
            self._thread.join(10)
            if self._thread.is_alive():
                raise RuntimeError("fault proxy did not stop")

    def __enter__(self) -> FaultProxy:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- controls (any thread) ------------------------------------------------------------

    def reset_all(self) -> None:
        """RST every open connection, now."""
        self._call(self._reset_all)

    def arm(self, fault: str, count: int = 1) -> None:
        """Arms `count` occurrences of a stream fault, fired by the next matching traffic:
        'cut_before_commit': the COMMIT is not forwarded; both sides reset (rolled back);
        'cut_after_commit': the COMMIT is forwarded, then both sides reset at once (the
          outcome is a race, as when a network dies at that moment);
        'drop_commit_reply': the COMMIT is forwarded, the server's CommandComplete for it
          is dropped and both sides reset (the server committed; the client cannot know);
        'random_cut': the next chunk, either way, is cut at a random byte; both reset."""
        if fault not in {"cut_before_commit", "cut_after_commit", "drop_commit_reply", "random_cut"}:
            raise ValueError(f"unknown fault {fault!r}")
        self._call(lambda: self._armed.update({fault: count}))

    def hang(self, seconds: float, *, then_reset: bool = True) -> None:
        """Forwards nothing (and connects nothing upstream) for `seconds`; then resets every
        connection (`then_reset`) or lets the traffic resume."""
        self._call(lambda: self._hang(seconds, then_reset))

    def set_latency(self, seconds: float) -> None:
        """Delays every chunk by `seconds` (0: off)."""
        self._call(lambda: setattr(self, "_latency_s", max(0.0, seconds)))

    def calm(self) -> None:
        """No armed fault, no latency, no hang from now on (open connections stay)."""

        def calm() -> None:
            self._armed.clear()
            self._latency_s = 0.0
            self._hang_until = 0.0

        self._call(calm)

    # --- the loop ----------------------------------------------------------------------------

    def _call(self, fn: object) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            raise RuntimeError("the proxy is not running")
        assert callable(fn)
        loop.call_soon_threadsafe(fn)

    def _serve(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:  # reported by start(); a test must not hang on it
            self._error = error
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        server = await asyncio.start_server(self._accept, LISTEN_HOST, 0)
        self.address = server.sockets[0].getsockname()
        self.port = self.address[1]
        self._ready.set()
        try:
            await asyncio.wait_for(self._stopping.wait(), self.lifetime_s)
        except TimeoutError:
            self.stats["lifetime_expired"] += 1
        finally:
            server.close()
            self._reset_all(count=False)
            await server.wait_closed()
            tasks = [task for link in list(self._links) for task in link.tasks]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.stats["connections"] += 1
        await self._gate()
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            self.stats["upstream_refused"] += 1
            _abort(client_writer)
            return
        link = _Link(client_writer, server_writer)
        self._links.add(link)
        link.tasks = [
            asyncio.create_task(self._pump(link, client_reader, server_writer, upstream=True)),
            asyncio.create_task(self._pump(link, server_reader, client_writer, upstream=False)),
        ]

    async def _gate(self) -> None:
        assert self._loop is not None
        while (remaining := self._hang_until - self._loop.time()) > 0:
            await asyncio.sleep(remaining)

    async def _pump(
        self, link: _Link, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, upstream: bool
    ) -> None:
        try:
            while not link.closed:
                data = await reader.read(_CHUNK)
                if not data:
                    break
                await self._gate()
                if self._latency_s:
                    await asyncio.sleep(self._latency_s)
                if link.closed:
                    return
                data, cut = self._inspect(link, data, upstream=upstream)
                if data:
                    writer.write(data)
                    await writer.drain()
                if cut:
                    # After a forwarded COMMIT the server side closes with FIN, so the
                    # COMMIT is delivered first; everything else is a reset.
                    self._close(link, reset=True, graceful_server=cut == "after_commit")
                    return
        except (ConnectionError, OSError):
            pass
        # EOF or a failure on one side: the other side is closed too (as a host would).
        self._close(link, reset=False)

    def _inspect(self, link: _Link, data: bytes, *, upstream: bool) -> tuple[bytes, str]:
        """What to forward of `data`, and how to cut the connection after it ("" = not)."""
        if upstream:
            at = data.find(PG_COMMIT_QUERY)
            if at >= 0:
                if self._take("cut_before_commit"):
                    return data[:at], "reset"
                if self._take("cut_after_commit"):
                    return data[: at + len(PG_COMMIT_QUERY)], "after_commit"
                if self._take("drop_commit_reply"):
                    link.drop_commit_reply = True
        elif link.drop_commit_reply:
            at = data.find(PG_COMMIT_COMPLETE)
            if at >= 0:
                self.stats["drop_commit_reply_fired"] += 1
                return data[:at], "reset"
        if self._armed["random_cut"] > 0 and self._take("random_cut"):
            return data[: self._rng.randrange(len(data) + 1)], "reset"
        return data, ""

    def _take(self, fault: str) -> bool:
        if self._armed[fault] <= 0:
            return False
        self._armed[fault] -= 1
        if fault != "drop_commit_reply":  # counted when the reply is actually dropped
            self.stats[f"{fault}_fired"] += 1
        return True

    def _hang(self, seconds: float, then_reset: bool) -> None:
        assert self._loop is not None
        self.stats["hangs"] += 1
        self._hang_until = max(self._hang_until, self._loop.time() + seconds)
        if then_reset:
            self._loop.call_later(seconds, self._reset_all)

    def _reset_all(self, count: bool = True) -> None:
        if count:
            self.stats["resets"] += 1
        for link in list(self._links):
            self._close(link, reset=True)

    def _close(self, link: _Link, *, reset: bool, graceful_server: bool = False) -> None:
        if link.closed:
            return
        link.closed = True
        self._links.discard(link)
        for writer in (link.client, link.server):
            if reset and not (graceful_server and writer is link.server):
                _abort(writer)
            elif not writer.transport.is_closing():
                writer.close()  # FIN after what is buffered
