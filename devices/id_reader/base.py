"""Identity-document readers (second-generation ID card readers, PC/SC, simulated)."""

from __future__ import annotations

from abc import abstractmethod
from concurrent.futures import Future
from typing import ClassVar

from devices.base import Device
from devices.id_reader.types import IdentityRecord


class IdReader(Device):
    kind: ClassVar[str] = "id_reader"

    def read_card(self) -> Future[IdentityRecord]:
        """Reads the card now on the reader.

        Thread: returns at once; the read runs on the device thread.
        Raises (through the future): NoCardError, CardRemovedError, CorruptDataError,
        DeviceTimeoutError, DeviceUnavailableError.
        """
        return self._run("read_card", self._do_read_card)

    @abstractmethod
    def _do_read_card(self) -> IdentityRecord: ...
