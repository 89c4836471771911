"""A full GA/T 467 read over a pty, against the wire time of the bytes exchanged.

The simulated SAM serves a pseudo-terminal and paces its bytes at 115200 baud (10
bits a byte, 8N1), as a real serial reader would; the real SamSerialIdReader opens
the pty's /dev/pts path. One read is find card -> select card -> read base message
(text + photo, 1295-byte answer). Prints, per read and in total, the time taken, the
bytes exchanged in both directions, their wire time (bits / baud) and the ratio: how
much the reader's own overhead (frame parsing, thread hops, polling) adds to the line.

    .venv/bin/python -m benchmarks.id_read [rounds]
"""

from __future__ import annotations

import statistics
import sys
import time

from devices.id_reader.sam import SamSerialIdReader
from devices.id_reader.sam.simulator import SamPtyServer, SimulatedSam
from tests.devices.sam_people import RESIDENT

BAUD = 115200
PERSON = RESIDENT  # the SAM tests' resident card (invented person)


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
                if index:  # the SAM finds a card once per stay in the field: the card is laid down again
                    sam.remove_card()
                    sam.present_card(PERSON.id)
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
