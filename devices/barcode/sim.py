"""Simulated barcode decoder: the real zxing-cpp decoding, plus the scenario's faults.

Decoding a receipt's QR code needs no hardware, so the result is real: the simulation
adds what a hardware scanner could do wrong (garbage, timeouts, unplugging) and the
`barcode:` timeline. Select it with `barcode = "sim:<scenario>"`; `zxing:` stays the
default even at a simulated counter.
"""

from __future__ import annotations

from typing import ClassVar

from devices.barcode.base import BarcodeDecoder
from devices.barcode.types import Barcode
from devices.barcode.zxing import ZxingBarcodeDecoder
from devices.sim.common import SimDevice
from devices.sim.scenario import FaultOperation, Scenario


class SimBarcodeDecoder(SimDevice, BarcodeDecoder):
    sim_operation: ClassVar[FaultOperation] = FaultOperation.DECODE

    def __init__(self, scenario: Scenario, name: str | None = None, *, seed: int | None = None) -> None:
        spec = scenario.barcode
        name = name or spec.name
        # First, so that a missing zxing-cpp fails before this device starts anything.
        # Its own thread is never used: decoding runs on this device's thread.
        self._decoder = ZxingBarcodeDecoder(name)
        super().__init__(name, scenario, spec.faults, seed=seed)
        self._decode_delay_s = spec.decode_delay_s

    def close(self) -> None:
        super().close()
        self._decoder.close()

    def _do_decode(self, image_png: bytes) -> tuple[Barcode, ...]:
        return self._simulate(lambda: self._decode(image_png))

    def _decode(self, image_png: bytes) -> tuple[tuple[Barcode, ...], str]:
        self._pause(self._decode_delay_s)
        barcodes = self._decoder._do_decode(image_png)
        return barcodes, " | ".join(barcode.text for barcode in barcodes) or "no barcode"
