"""Simulated second-generation ID card reader, driven by a scenario's people.

The reader holds at most one card. `present_card` puts a card on it and the card stays
there (every read returns it) until `remove_card`. While the reader is empty, each
read takes the next card of the scenario's `id_reader.cards` order, as if the next
party laid their card down and picked it up after the read, so a scripted demo just
calls `read_card()` again and again. Empty reader and no cards left: NoCardError. The card photo is the scenario's PNG,
byte for byte (the simulated face matcher knows a face by its bytes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from devices.errors import CardRemovedError, NoCardError
from devices.id_reader.base import IdReader
from devices.id_reader.types import IdentityRecord
from devices.sim.common import SimDevice, counter_state
from devices.sim.scenario import FaultOperation, PersonSpec, Scenario


class SimIdReader(SimDevice, IdReader):
    sim_operation: ClassVar[FaultOperation] = FaultOperation.READ_CARD

    def __init__(self, scenario: Scenario, name: str | None = None, *, seed: int | None = None) -> None:
        spec = scenario.id_reader
        super().__init__(name or spec.name, scenario, spec.faults, seed=seed)
        self._read_delay_s = spec.read_delay_s
        self._queue: list[str] = list(spec.cards)
        self._presented: str | None = None
        self._removals = 0  # bumped by remove_card, so a read in progress can notice

    # --- QA / test controls (any thread) ---------------------------------------------

    def present_card(self, person_id: str) -> None:
        """Lays this person's card on the reader; it stays until `remove_card`."""
        self._require_person(person_id)
        with self._lock:
            self._presented = person_id

    def remove_card(self) -> None:
        """Takes the card off the reader; a read in progress fails with CardRemovedError."""
        with self._lock:
            self._presented = None
            self._removals += 1
        self._wake.set()

    def queue_cards(self, person_ids: Sequence[str]) -> None:
        """Replaces the remaining default order; an empty list leaves the reader empty."""
        for person_id in person_ids:
            self._require_person(person_id)
        with self._lock:
            self._queue = list(person_ids)

    @property
    def card_on_reader(self) -> str | None:
        """The explicitly presented card, if any."""
        with self._lock:
            return self._presented

    @property
    def remaining_cards(self) -> list[str]:
        with self._lock:
            return list(self._queue)

    # --- backend ----------------------------------------------------------------------

    def _do_read_card(self) -> IdentityRecord:
        return self._simulate(self._read)

    def _read(self) -> tuple[IdentityRecord, str]:
        with self._lock:
            removals = self._removals
            if self._presented is not None:
                person_id = self._presented
            elif self._queue:
                person_id = self._queue.pop(0)
            else:
                raise NoCardError(self.name)
        self._pause(self._read_delay_s)
        with self._lock:
            if self._removals != removals:
                raise CardRemovedError(self.name)
        record = self._record_for(self.scenario.person(person_id))
        # The simulated camera shows this person's face when asked for the live face.
        counter_state(self.scenario).card_read(person_id)
        return record, person_id

    def _record_for(self, person: PersonSpec) -> IdentityRecord:
        photo = self.scenario.resolve(person.photo).read_bytes() if person.photo else None
        return IdentityRecord(
            card_type=person.card_type,
            name=person.name,
            sex_code=person.sex,
            ethnicity_code=person.ethnicity,
            birth_date=person.birth_date,
            address=person.address,
            id_number=person.id_number,
            issuing_authority=person.issuing_authority,
            valid_from=person.valid_from,
            valid_to=person.valid_to,
            nationality=person.nationality,
            photo_png=photo,
            reader_name=self.name,
        )

    def _require_person(self, person_id: str) -> None:
        try:
            self.scenario.person(person_id)
        except KeyError:
            raise ValueError(f"unknown person id {person_id!r} in {self.scenario.source}") from None
