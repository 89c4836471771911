"""A full GA/T 467 read over a pty, against the wire time of the bytes exchanged.

The simulated SAM serves a pseudo-terminal and paces its bytes at 115200 baud (10
bits a byte, 8N1), as a real serial reader would; the real SamSerialIdReader opens
the pty's /dev/pts path. One read is find card -> select card -> read base message
(text + photo, 1295-byte answer). Prints, per read and in total, the time taken, the
bytes exchanged in both directions, their wire time (bits / baud) and the ratio: how
much the reader's own overhead (frame parsing, thread hops, polling) adds to the line.

    .venv/bin/python benchmarks/id_read.py [rounds]
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date

from devices.id_reader.sam import SamSerialIdReader
from devices.id_reader.sam.simulator import SamFault, SamPtyServer, SimulatedSam
from devices.sim.scenario import PersonSpec

BAUD = 115200
PERSON = PersonSpec(
    id="bench",
    name="测试甲",
    sex="1",
    ethnicity="01",
    birth_date=date(1970, 1, 2),
    address="北京市东城区某街1号",
    id_number="110101197001020011",
    issuing_authority="北京市公安局东城分局",
    valid_from=date(2020, 1, 1),
    valid_to=date(2040, 1, 1),
)


def main(rounds: int = 20) -> None:
    sam = SimulatedSam([PERSON])
    sam.present_card(PERSON.id)
    with SamPtyServer(sam, baud=BAUD) as server:
        reader = SamSerialIdReader(server.path, BAUD, card_wait_s=0.0, poll_interval_s=0.0)
        try:
            times: list[float] = []
            wires: list[float] = []
            exchanged = 0
            for index in range(rounds):
                if index:  # the card-removal rule: the last card leaves the field (one find fails)
                    sam.arm(SamFault.NO_CARD)
                    reader.card_wait_s = 5.0
                before = reader.bytes_sent + reader.bytes_received
                started = time.perf_counter()
                record = reader.read_card().result(timeout=10)
                elapsed = time.perf_counter() - started
                assert record.id_number == PERSON.id_number
                count = reader.bytes_sent + reader.bytes_received - before
                exchanged += count
                times.append(elapsed)
                wires.append(count * 10 / BAUD)
        finally:
            reader.close()
    print(f"SAM read over a pty ({server.path}) at {BAUD} baud, {rounds} reads")
    print(f"  first read   : {times[0] * 1000:7.1f} ms  ({wires[0] * 1000:.1f} ms on the wire)")
    median = statistics.median(times[1:] or times)
    median_wire = statistics.median(wires[1:] or wires)
    print(f"  median read  : {median * 1000:7.1f} ms")
    print(f"  bytes/read   : {exchanged // rounds} (both directions, {exchanged} in all)")
    print(f"  wire time    : {median_wire * 1000:7.1f} ms (bytes x 10 bits / {BAUD} baud)")
    print(f"  ratio        : {median / median_wire:7.2f} x wire time (median read / its wire time)")
    print(f"  total        : {sum(times):.3f} s for {sum(wires):.3f} s of wire time = {sum(times) / sum(wires):.2f} x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
