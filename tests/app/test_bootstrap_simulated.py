"""A simulated counter never opens a real counter's data (#10): `--simulate` or a "sim:"
device on a PC whose data folder holds cases captured on real devices is refused with
AUTH-008 before anybody is logged in; a data folder of its own works as before. And the
key of the lockout entries of unknown operator ids comes from the key store."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from app.auth.errors import SimulatedCounterOnRealDataError
from app.bootstrap import LOCKOUT_KEY_NAME, build_services, lockout_secret
from app.domain.case import DeviceMode
from app.security.keys import open_key_store
from app.store.local import LocalStore
from tests.counter_fixtures import simulated_config
from tests.factories import empty_case


def _store_with(data_dir: Path, *modes: DeviceMode) -> None:
    config = simulated_config(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    store = LocalStore.from_config(config)
    store.open()
    try:
        for n, mode in enumerate(modes):
            store.save_case(replace(empty_case(), case_id=f"case-{n}", device_mode=mode))
        assert store.count_cases(DeviceMode.REAL) == modes.count(DeviceMode.REAL)
        assert store.count_cases(DeviceMode.SIMULATED) == modes.count(DeviceMode.SIMULATED)
    finally:
        store.close()


def test_a_simulated_counter_refuses_a_store_with_real_cases(tmp_path: Path) -> None:
    data_dir = tmp_path / "real-counter"
    _store_with(data_dir, DeviceMode.SIMULATED, DeviceMode.REAL, DeviceMode.REAL)
    with pytest.raises(SimulatedCounterOnRealDataError) as raised:
        build_services(simulated_config(data_dir))
    error = raised.value
    assert error.code == "AUTH-008" and error.exit_code == 2
    assert str(data_dir) in error.message and "2 case(s)" in error.message
    assert "MARRIAGE_COUNTER_DATA_DIR" in error.message
    assert not (data_dir / "audit").exists()  # refused before the audit trail or a login


def test_a_simulated_counter_on_its_own_data_folder_starts_and_logs_in(tmp_path: Path) -> None:
    data_dir = tmp_path / "simulation"
    _store_with(data_dir, DeviceMode.SIMULATED)
    services = build_services(simulated_config(data_dir))
    try:
        assert services.sessions.current is not None and services.sessions.current.automatic
    finally:
        services.close()


def test_the_lockout_key_comes_from_the_key_store(tmp_path: Path) -> None:
    config = simulated_config(tmp_path / "data")
    key = lockout_secret(config)
    assert key is not None and len(key) == 32
    assert lockout_secret(config) == key == open_key_store(config).secret(LOCKOUT_KEY_NAME)


def test_without_a_key_store_unknown_ids_share_one_lockout_entry(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("", encoding="utf-8")  # the key folder cannot be made
    config = simulated_config(tmp_path / "data", SECURITY__KEY_DIR=str(blocked / "keys"))
    assert lockout_secret(config) is None
