"""A lock between processes on a lock file: the audit trail's appends, a SQLite
database's upgrade (backup, migrate, restore) and the embedded central store's
conversion to SQLCipher, each run by whichever process gets there first."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class InterProcessLock:
    """An exclusive lock on a small lock file, between processes (flock on POSIX, a
    one-byte msvcrt lock on Windows). Two objects of one process on the same file also
    exclude each other (each has its own open file), so threads may use one each."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        flags = os.O_RDWR | (os.O_CREAT if create else 0) | getattr(os, "O_BINARY", 0)
        self._path = path
        self._fd = os.open(path, flags, 0o600)

    def acquire(self) -> None:
        if sys.platform == "win32":
            import msvcrt

            os.lseek(self._fd, 0, os.SEEK_SET)
            for _ in range(30):  # LK_LOCK itself retries for 10 s
                try:
                    msvcrt.locking(self._fd, msvcrt.LK_LOCK, 1)
                    return
                except OSError:
                    continue
            raise OSError(f"{self._path} is locked by another process")
        else:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_EX)

    def release(self) -> None:
        if sys.platform == "win32":
            import msvcrt

            os.lseek(self._fd, 0, os.SEEK_SET)
            msvcrt.locking(self._fd, msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        os.close(self._fd)


@contextmanager
def holding(path: Path, *, create: bool = True) -> Iterator[None]:
    """Holds the lock on `path` for the block. A missing lock file is created, or with
    `create=False` the block runs unlocked (nobody who takes the lock has run yet)."""
    try:
        lock = InterProcessLock(path, create=create)
    except FileNotFoundError:
        if create:
            raise
        yield
        return
    try:
        lock.acquire()
        try:
            yield
        finally:
            lock.release()
    finally:
        lock.close()
