"""The operators' second factor (USB key / certificate): a port with a simulated backend.

Why a port in app/ and not a device kind in devices/: what the counter needs is one
yes-or-no question at login, unlock and approval ("does the key in the port belong to
this operator, and does its PIN open it?"), answered on the worker thread that already
runs the login. A device kind brings a status indicator, a device thread, events and a
QA fault table that a login credential does not need, and binding a token to an
operator is the application's business. A real backend (a PKCS#11 USB key, a
certificate in the platform store) implements `SecondFactor` here and may use a
devices/ driver for the I/O; the simulated one reads the scenario's optional
`second_factor` section (devices.sim.scenario.SecondFactorSpec).

`[auth] second_factor`: "" = none; "sim:<scenario file>" ("sim:" alone: the default
scenario), only on a counter with simulated devices. Any other value, and "sim:" on a
counter with real devices (anyone could insert a simulated key by editing a YAML file),
makes every login fail with AUTH-005 and the reason: a counter configured for a second
factor never silently runs without one, nor with a simulated one.
"""

from __future__ import annotations

import hmac
import logging
import threading
from pathlib import Path
from typing import Protocol

from app.auth.errors import SecondFactorError
from devices.errors import ScenarioError
from devices.sim.scenario import SecondFactorSpec, load_scenario

log = logging.getLogger(__name__)


class SecondFactor(Protocol):
    @property
    def description(self) -> str: ...

    def verify(self, operator_id: str, pin: str | None) -> str:
        """The serial of the operator's token when it is present and `pin` opens it;
        raises SecondFactorError (AUTH-005) otherwise. Blocking (worker thread)."""
        ...


class UnavailableSecondFactor:
    """The configured second factor could not be set up: nobody logs in, with the reason."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.description = f"unavailable: {reason}"

    def verify(self, operator_id: str, pin: str | None) -> str:
        raise SecondFactorError(detail=self.reason)


class SimSecondFactor:
    """Simulated USB keys from a scenario. QA inserts and pulls keys (`insert`)."""

    def __init__(self, spec: SecondFactorSpec, source: str = "<memory>") -> None:
        self.tokens = {token.serial: token for token in spec.tokens}
        self.description = f"simulated USB keys ({source})"
        self._lock = threading.Lock()
        self._inserted = spec.inserted

    @property
    def inserted(self) -> str | None:
        with self._lock:
            return self._inserted

    def insert(self, serial: str | None) -> None:
        """The key with this serial is now in the port (None: the port is empty)."""
        if serial is not None and serial not in self.tokens:
            raise ValueError(f"no simulated key with serial {serial!r}")
        with self._lock:
            self._inserted = serial

    def verify(self, operator_id: str, pin: str | None) -> str:
        serial = self.inserted
        if serial is None:
            raise SecondFactorError(detail="no USB key is inserted")
        token = self.tokens[serial]
        if token.operator_id != operator_id:
            log.warning("second factor: key %s is not issued to the operator logging in", serial)
            raise SecondFactorError(detail=f"the USB key {serial} is issued to another operator")
        if not pin or not hmac.compare_digest(pin.encode("utf-8"), token.pin.encode("utf-8")):
            raise SecondFactorError(detail="the USB key's PIN is wrong")
        return serial


SIMULATED_ON_REAL_COUNTER = (
    "[auth] second_factor is a simulated USB key (sim:), which works only on a counter with simulated "
    "devices; IT configures the counter's real second factor"
)


def second_factor_from_spec(
    spec: str, *, base_dir: Path, default_scenario: Path, simulated: bool
) -> SecondFactor | None:
    """The backend `[auth] second_factor` names; None for "" (no second factor). A
    simulated backend on a counter that is not `simulated` lets nobody in."""
    spec = spec.strip()
    if not spec:
        return None
    backend, _, argument = spec.partition(":")
    if backend != "sim":
        return UnavailableSecondFactor(f"unknown second factor backend {backend!r} in [auth] second_factor")
    if not simulated:
        log.error("second factor not set up: a simulated USB key on a counter with real devices")
        return UnavailableSecondFactor(SIMULATED_ON_REAL_COUNTER)
    path = Path(argument) if argument else default_scenario
    if not path.is_absolute():
        path = base_dir / path
    try:
        scenario = load_scenario(path)
    except ScenarioError as error:
        log.error("second factor not set up: %s", error)
        return UnavailableSecondFactor(str(error))
    return SimSecondFactor(scenario.second_factor, str(path))
