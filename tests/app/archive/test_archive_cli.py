"""`marriage-counter archive export|verify|public-key` and `central revoke-key`: a
package exported from a counter verifies offline; exit 0 valid, 1 invalid (the first
problem printed), 2 no such path, 3 cannot check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import text as sql_text

from app.archive.package import MANIFEST
from app.archive.signing import SIGNATURE
from app.cli import main
from app.sync.service import archive_item_key
from app.sync.types import OutboxKind
from tests.app.archive.counter import open_counter
from tests.app.archive.helpers import OTHER_SEED, make_signer
from tests.counter_fixtures import REPO_ROOT

UNREACHABLE = "postgresql+psycopg://counter@127.0.0.1:1/central?connect_timeout=2"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("MARRIAGE_COUNTER_DATA_DIR", str(data))
    return data


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _public_key(tmp_path: Path, pem: str) -> str:
    path = tmp_path / "counter.pem"
    path.write_text(pem, encoding="ascii")
    return str(path)


def test_export_then_verify_offline_with_the_public_key(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_counter(data_dir) as counter:
        case_id = counter.issued().case_id
        pem = counter.signer.public_key_pem
    out = tmp_path / "package"
    code, text = _run(capsys, "archive", "export", case_id, "--out", str(out))
    assert code == 0, text
    assert all((out / name).is_file() for name in (MANIFEST, SIGNATURE, "forms/certificate-A.pdf"))
    key = _public_key(tmp_path, pem)
    code, text = _run(capsys, "archive", "verify", str(out), "--public-key", key)
    assert code == 0 and text.startswith("valid: ") and "counter counter-01" in text, text
    # The key was never registered (nothing was shipped): the central store cannot vouch for it.
    code, text = _run(capsys, "archive", "verify", str(out))
    assert code == 1 and "the central store has no key" in text, text
    # Exporting into a folder that is not empty, or an unknown case: usage errors.
    assert _run(capsys, "archive", "export", case_id, "--out", str(out))[0] == 2
    assert _run(capsys, "archive", "export", "case-404", "--out", str(tmp_path / "x"))[0] == 2

    # Tampering found offline, the first problem printed.
    (out / "forms" / "certificate-A.pdf").write_bytes(b"%PDF-1.7 forged")
    code, text = _run(capsys, "archive", "verify", str(out), "--public-key", key)
    assert (code, text.strip()) == (1, "invalid: forms/certificate-A.pdf: SHA-256 differs from the manifest")
    (out / SIGNATURE).unlink()
    code, text = _run(capsys, "archive", "verify", str(out), "--public-key", key)
    assert (code, text.strip()) == (1, "invalid: manifest.sig is missing: the package is not signed")


def test_a_shipped_package_exports_from_the_central_store_and_verifies_with_its_key(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_counter(data_dir) as counter:
        case_id = counter.issued().case_id
        assert counter.sync.run_once(force=True).acknowledged == 1
        assert all(f.data is None for f in counter.local.archive_files(case_id))  # only the central store has them
    package = tmp_path / "package.zip"
    code, text = _run(capsys, "archive", "export", case_id, "--out", str(package))
    assert code == 0, text
    with zipfile.ZipFile(package) as archive:
        assert {MANIFEST, SIGNATURE, "case.json"} <= set(archive.namelist())
    code, text = _run(capsys, "archive", "verify", str(package))  # the key from the central store
    assert code == 0 and "valid:" in text, text
    # Checked with another counter's key: invalid, both keys named.
    other = _public_key(tmp_path, make_signer(seed=OTHER_SEED).public_key_pem)
    code, text = _run(capsys, "archive", "verify", str(package), "--public-key", other)
    assert code == 1 and "the public key given is" in text
    # IT revokes the counter's key: its packages no longer verify against the registry.
    code, text = _run(capsys, "central", "revoke-key", "counter-01")
    assert code == 0 and text.startswith("revoked key "), text
    code, text = _run(capsys, "archive", "verify", str(package))
    assert code == 1 and "revoked at" in text, text
    assert _run(capsys, "central", "revoke-key", "counter-01")[0] == 1  # nothing left to revoke


def test_cannot_check_and_bad_input(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with open_counter(data_dir) as counter:
        case_id = counter.issued().case_id
    out = tmp_path / "package"
    assert _run(capsys, "archive", "export", case_id, "--out", str(out))[0] == 0
    code, text = _run(capsys, "archive", "verify", str(out), "--central-url", UNREACHABLE)
    assert code == 3 and "cannot check" in text and "CEN-001" in text, text
    code, text = _run(capsys, "archive", "verify", str(out), "--public-key", str(tmp_path / "absent.pem"))
    assert code == 3 and "cannot check" in text
    assert _run(capsys, "archive", "verify", str(tmp_path / "absent"))[0] == 2
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK not a zip")
    code, text = _run(capsys, "archive", "verify", str(broken), "--public-key", str(tmp_path / "absent.pem"))
    assert code == 3  # no key: cannot check, whatever the package
    code, text = _run(capsys, "archive", "verify", str(broken), "--public-key", _public_key(tmp_path, "x"))
    assert code == 3  # not a key
    code, text = _run(capsys, "archive", "verify", str(broken), "--public-key",
                      _public_key(tmp_path, make_signer().public_key_pem))
    assert code == 1 and "not a readable package folder or zip" in text, text


def test_public_key_and_the_real_command(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text = _run(capsys, "archive", "public-key")
    signer_line, pem = text.split("\n", 1)
    assert code == 0 and signer_line.startswith("# counter counter-01, office 110101, key ")
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    with open_counter(data_dir) as counter:
        case_id = counter.issued().case_id
        assert counter.signer.public_key_pem == pem
    out = tmp_path / "package.zip"
    assert _run(capsys, "archive", "export", case_id, "--out", str(out))[0] == 0
    key = _public_key(tmp_path, pem)
    env = {**os.environ, "MARRIAGE_COUNTER_DATA_DIR": str(data_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "app", "archive", "verify", str(out), "--public-key", key],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0 and result.stdout.startswith("valid: "), result.stdout + result.stderr
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr("documents/99-extra.png", b"\x89PNG extra")
    result = subprocess.run(
        [sys.executable, "-m", "app", "archive", "verify", str(out), "--public-key", key],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert (result.returncode, result.stdout.strip()) == (1, "invalid: documents/99-extra.png: not in the manifest")


def test_a_voided_blank_and_its_reprint_reach_the_archive_as_a_signed_supplement(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_counter(data_dir) as counter:
        issued = counter.issued()
        voided = counter.flow.void_printed_blank(issued, "certificate-A.pdf", "11000123456", "卡纸，照片污损", "周主管")
        reprinted = counter.flow.reprint_certificate(voided, "certificate-A.pdf", b"%PDF-1.7 A again")
        reg_uuid = reprinted.registration_uuid or ""
        supplement = counter.local.outbox_item_for(OutboxKind.ARCHIVE, archive_item_key(reg_uuid, "supplement-1/"))
        assert supplement is not None and supplement.payload["registration_uuid"] == reg_uuid
        # Taken before its package (here: due earlier, as after IT re-queued a failed
        # package), a supplement waits: the central store would refuse it for good.
        with counter.local._engine_or_fail().begin() as conn:
            conn.execute(sql_text("UPDATE outbox SET next_attempt_at = '2000-01-01 00:00:00.000000' "
                                  "WHERE item_id = :id"), {"id": supplement.item_id})
        first = counter.sync.run_once(force=True)
        assert (first.acknowledged, first.retrying, first.failed) == (1, 1, 0)
        assert counter.sync.run_once(force=True).acknowledged == 1
        held = counter.central.archive_file_data(reg_uuid)
    record = json.loads(held["supplement-1/voided-blank.json"])
    assert (record["print_no"], record["reason"], record["supervisor"]) == ("11000123456", "卡纸，照片污损", "周主管")
    assert held["supplement-1/forms/certificate-A.pdf"] == b"%PDF-1.7 A again"
    assert held["forms/certificate-A.pdf"] == b"%PDF-1.7 A"  # the package as first issued, unchanged

    out = tmp_path / "package"
    assert _run(capsys, "archive", "export", issued.case_id, "--out", str(out))[0] == 0
    code, text = _run(capsys, "archive", "verify", str(out))
    assert code == 0 and "and 1 supplement(s)" in text, text
    (out / "supplement-1" / "voided-blank.json").write_bytes(b'{"print_no": "forged"}')
    code, text = _run(capsys, "archive", "verify", str(out))
    assert code == 1 and "supplement-1/voided-blank.json: SHA-256 differs" in text, text


def test_supplements_are_numbered_signed_when_sent_and_never_sent_without_their_package(data_dir: Path) -> None:
    with open_counter(data_dir) as counter:
        flow, sync = counter.flow, counter.sync
        case = flow.void_printed_blank(counter.issued(), "certificate-A.pdf", "", "照片污损", "周主管")
        signer, sync.signer = sync.signer, None  # queued by a service without a signer: signed when sent
        case = flow.reprint_certificate(case, "certificate-A.pdf", b"%PDF-1.7 A again")
        sync.signer = signer
        case = flow.void_printed_blank(case, "certificate-B.pdf", "", "卡纸", "周主管")
        case = flow.reprint_certificate(case, "certificate-B.pdf", b"%PDF-1.7 B again")
        reg_uuid = case.registration_uuid or ""
        assert sync.run_once(force=True).acknowledged == 3
        held = counter.central.archive_file_data(reg_uuid)
        assert held["supplement-1/forms/certificate-A.pdf"] == b"%PDF-1.7 A again"
        assert held["supplement-2/forms/certificate-B.pdf"] == b"%PDF-1.7 B again"
        assert "supplement-1/manifest.sig" in held

        # A package that failed for good: its supplement fails too, with the reason, for IT.
        other = flow.void_printed_blank(counter.issued(2), "certificate-A.pdf", "", "卡纸", "周主管")
        other = flow.reprint_certificate(other, "certificate-A.pdf", b"%PDF-1.7 A2 again")
        with counter.local._engine_or_fail().begin() as conn:
            conn.execute(sql_text("UPDATE outbox SET state = 'failed' WHERE kind = 'archive' AND reg_uuid = :id"),
                         {"id": other.registration_uuid})
        report = sync.run_once(force=True)
        assert (report.failed, report.retrying) == (1, 0)  # the supplement, not retried for ever
        failed = counter.local.outbox_item_for(
            OutboxKind.ARCHIVE, archive_item_key(other.registration_uuid or "", "supplement-1/")
        )
        assert failed is not None and "CEN-006" in failed.last_error and "主档案包" in failed.last_error
