"""PcscIdReader: ICAO 9303 passports (eMRTD) on any PC/SC contactless reader, via pyscard.

* Spec: ``pcsc:<reader name substring>`` (``pcsc:`` takes the first reader).
* The chip opens only with Basic Access Control keys from the document's MRZ. The GUI
  supplies the MRZ (document camera OCR, or typed by the registrar) with
  `set_mrz()` before `read_card()`; without one the read fails with MrzRequiredError.
  The MRZ stays set until replaced or cleared (`set_mrz(None)`), so it can be given
  before the passport is laid on the reader.
* Status: a monitor thread of this reader (own PC/SC context, SCardGetStatusChange
  with a short timeout) follows the reader and the card: READY with a card in the
  field, NOT_READY without one, UNAVAILABLE when the reader or the PC/SC service is
  missing. It is cancelled and joined by close(); no thread outlives close().
* Reads run on the device thread with their own PC/SC context: select the eMRTD
  application, BAC, secure-messaged reads of EF.COM, DG1, DG2, DG12, EF.SOD; every
  data group read is checked against EF.SOD when the chip has one.
"""

from __future__ import annotations

import logging
import threading
from typing import ClassVar

from devices.errors import (
    QT_TRANSLATE_NOOP,
    CardRemovedError,
    DeviceError,
    DeviceUnavailableError,
    NoCardError,
)
from devices.id_reader.base import IdReader
from devices.id_reader.pcsc import _scard as s
from devices.id_reader.pcsc.emrtd import identity_record, read_passport
from devices.id_reader.pcsc.errors import MrzRequiredError
from devices.id_reader.pcsc.mrz import MrzKey, mrz_key
from devices.id_reader.types import IdentityRecord
from devices.status import DeviceState

log = logging.getLogger(__name__)

REASON_NO_CARD = QT_TRANSLATE_NOOP("DeviceStatus", "No passport on the reader")
REASON_CARD_MUTE = QT_TRANSLATE_NOOP("DeviceStatus", "The card on the reader does not answer: lay it down again")
REASON_NO_READER = QT_TRANSLATE_NOOP("DeviceStatus", "No PC/SC card reader is connected")
REASON_NO_SERVICE = QT_TRANSLATE_NOOP(
    "DeviceStatus", "The PC/SC service is not running (pcscd on Linux, Smart Card service on Windows)"
)
PYSCARD_MISSING = "pyscard (the Python PC/SC library) is not installed"


class PcscIdReader(IdReader):
    backend: ClassVar[str] = "pcsc"

    def __init__(
        self,
        reader_filter: str = "",
        *,
        mrz: str | None = None,
        read_photo: bool = True,
        poll_interval_s: float = 0.2,
    ) -> None:
        """`reader_filter`: a case-insensitive substring of the PC/SC reader name ("" = the
        first reader). `mrz`: the MRZ, as for set_mrz. Raises DeviceUnavailableError when
        pyscard cannot be loaded, InvalidMrzError for a bad MRZ."""
        if s.LOAD_ERROR is not None:
            raise DeviceUnavailableError("PC/SC", detail=f"{PYSCARD_MISSING} ({s.LOAD_ERROR})")
        super().__init__(f"PC/SC {reader_filter}".strip() if reader_filter else "PC/SC")
        self.reader_filter = reader_filter
        self.read_photo = read_photo
        self._poll_ms = max(10, int(poll_interval_s * 1000))
        self._key: MrzKey | None = None
        self._lock = threading.RLock()
        self._presence: tuple[DeviceState, str] = (DeviceState.UNAVAILABLE, REASON_NO_SERVICE)
        self._reader: str | None = None
        self._atr: bytes | None = None
        self._monitor_context: int | None = None
        self._stop = threading.Event()
        self._monitor_ready = threading.Event()
        try:
            if mrz is not None:
                self.set_mrz(mrz)
            self._monitor = threading.Thread(target=self._watch, name="pcsc-monitor", daemon=True)
            self._monitor.start()
            self._monitor_ready.wait(2.0)  # the first status is known when the constructor returns
        except BaseException:
            self.close()
            raise

    # --- what the GUI calls --------------------------------------------------------

    def set_mrz(self, mrz_text: str | None) -> None:
        """The MRZ of the passport to read next: the full two (TD3/TD2) or three (TD1)
        lines, or the 24-character MRZ information. None clears it. Any thread.
        Raises InvalidMrzError (DEV-061) at once for a malformed MRZ or a wrong check digit."""
        key = mrz_key(mrz_text) if mrz_text is not None else None
        with self._lock:
            self._key = key

    @property
    def has_mrz(self) -> bool:
        with self._lock:
            return self._key is not None

    @property
    def reader_name(self) -> str | None:
        """The PC/SC name of the reader in use, once found."""
        with self._lock:
            return self._reader

    @property
    def atr(self) -> bytes | None:
        """The answer-to-reset of the card in the field, None without a card."""
        with self._lock:
            return self._atr

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            context = self._monitor_context
        if context is not None:
            s.cancel(context)
        monitor = getattr(self, "_monitor", None)
        if monitor is not None and monitor.is_alive():
            monitor.join(timeout=5.0)
        super().close()

    # --- status ----------------------------------------------------------------------

    def _set_status(self, state: DeviceState, reason: str = "") -> None:
        # READY after an operation means "whatever the card and reader now are"
        with self._lock:
            if state == DeviceState.READY:
                state, reason = self._presence
            super()._set_status(state, reason)

    def _publish(self, state: DeviceState, reason: str, reader: str | None, atr: bytes | None) -> None:
        with self._lock:
            changed = (state, reason) != self._presence or atr != self._atr
            self._presence = (state, reason)
            self._reader = reader or self._reader
            self._atr = atr
            if self._status.state != DeviceState.BUSY:
                super()._set_status(state, reason)
        if changed:
            log.info("%s: %s %s%s", self.name, state.value, reason, f" ATR {atr.hex(' ')}" if atr else "")

    # --- monitor thread -------------------------------------------------------------

    def _match(self, readers: list[str]) -> str | None:
        wanted = self.reader_filter.lower()
        return next((r for r in readers if wanted in r.lower()), None)

    def _watch(self) -> None:
        context: int | None = None
        reader: str | None = None
        known = s.STATE_UNAWARE
        try:
            while not self._stop.is_set():
                try:
                    if context is None:
                        context = s.establish_context()
                        with self._lock:
                            self._monitor_context = context
                        if self._stop.is_set():
                            break
                    if reader is None:
                        reader = self._match(s.list_readers(context))
                        known = s.STATE_UNAWARE
                        if reader is None:
                            self._publish(DeviceState.UNAVAILABLE, REASON_NO_READER, None, None)
                            self._monitor_ready.set()
                            self._stop.wait(self._poll_ms / 1000)
                            continue
                    (state,) = s.get_status_change(context, 0 if known == s.STATE_UNAWARE else self._poll_ms,
                                                   [(reader, known)])
                    known = state.event_state & ~s.STATE_CHANGED
                    if known & (s.STATE_UNKNOWN | s.STATE_UNAVAILABLE):
                        reader = None  # unplugged: list again
                    elif state.present:
                        self._publish(DeviceState.READY, "", reader, state.atr)
                    elif known & s.STATE_MUTE:
                        self._publish(DeviceState.NOT_READY, REASON_CARD_MUTE, reader, None)
                    else:
                        self._publish(DeviceState.NOT_READY, REASON_NO_CARD, reader, None)
                    self._monitor_ready.set()
                except s.ScardError as error:
                    if error.code == s.E_TIMEOUT:
                        continue
                    if error.code == s.E_CANCELLED or self._stop.is_set():
                        break
                    if error.code in (s.E_UNKNOWN_READER, s.E_READER_UNAVAILABLE):
                        reader = None
                        continue
                    if error.code in s.SERVICE_GONE or context is None:
                        log.debug("PC/SC monitor: %s", error)
                        if context is not None:
                            with self._lock:
                                self._monitor_context = None
                            s.release_context(context)
                        context, reader = None, None
                        self._publish(DeviceState.UNAVAILABLE, REASON_NO_SERVICE, None, None)
                    else:
                        log.warning("PC/SC monitor: %s", error)
                    self._monitor_ready.set()
                    self._stop.wait(self._poll_ms / 1000)
        except Exception:  # never let the monitor die silently
            log.exception("PC/SC monitor failed")
            self._publish(DeviceState.UNAVAILABLE, "PC/SC monitor failed", None, None)
        finally:
            self._monitor_ready.set()
            with self._lock:
                self._monitor_context = None
            if context is not None:
                s.release_context(context)

    # --- device thread ---------------------------------------------------------------

    def _error(self, error: Exception) -> DeviceError:
        if isinstance(error, s.ScardError):
            if error.code in s.SERVICE_GONE:
                return DeviceUnavailableError(self.name, detail=REASON_NO_SERVICE)
            if error.code in (s.E_UNKNOWN_READER, s.E_READER_UNAVAILABLE, s.E_NO_READERS_AVAILABLE):
                return DeviceUnavailableError(self.name, detail=REASON_NO_READER)
            if error.code in s.CARD_GONE or error.code in s.TRANSFER_BROKEN:
                return CardRemovedError(self.name, detail=str(error))
            if error.code == s.W_UNRESPONSIVE_CARD:
                return NoCardError(self.name)
        return DeviceError(self.name, detail=str(error))

    def _do_read_card(self) -> IdentityRecord:
        with self._lock:
            key = self._key
        if key is None:
            raise MrzRequiredError(self.name)
        try:
            context = s.establish_context()
        except s.ScardError as error:
            raise self._error(error) from None
        try:
            try:
                reader = self._match(s.list_readers(context))
            except s.ScardError as error:
                raise self._error(error) from None
            if reader is None:
                raise DeviceUnavailableError(self.name, detail=REASON_NO_READER)
            try:
                card = s.connect(context, reader)
            except s.ScardError as error:
                if error.code in s.CARD_GONE or error.code == s.W_UNRESPONSIVE_CARD:
                    raise NoCardError(self.name) from None
                raise self._error(error) from None
            log.info("%s: reading the chip in %r, ATR %s", self.name, reader, card.atr.hex(" "))

            def transmit(apdu: bytes) -> tuple[bytes, int]:
                try:
                    return s.transmit(card, apdu)
                except s.ScardError as error:
                    raise self._error(error) from None

            try:
                data = read_passport(transmit, key, photo=self.read_photo)
            finally:
                s.disconnect(card)
            log.info("%s: read %s, EF.SOD hashes checked for DG%s", self.name, data.com.data_groups,
                     ",".join(map(str, data.hashes_checked)) or " (no EF.SOD)")
            return identity_record(data, reader_name=reader)
        finally:
            s.release_context(context)
