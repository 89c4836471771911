"""The simulated printer: page counting, copies, the paper tray and its status."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdfium2
import pytest

from devices.errors import CorruptDataError
from devices.printer.errors import OutOfPaperError
from devices.printer.sim import SimPrinter, count_pdf_pages
from devices.sim.scenario import load_scenario
from devices.status import DeviceState, DeviceStatus
from tests.devices.conftest import pdf_bytes

WriteScenario = Callable[[dict[str, Any] | str], Path]


def test_prints_and_keeps_the_job(printer: SimPrinter) -> None:
    document = pdf_bytes(3)
    job = printer.print_pdf(document, copies=2, title="结婚登记声明书").result(timeout=5)
    assert (job.pages, job.copies, job.sheets, job.title) == (3, 2, 6, "结婚登记声明书")
    assert job.device_name == "printer-under-test" and job.printed_at.tzinfo is not None
    (printout,) = printer.printed
    assert printout.job == job and printout.pdf_bytes == document
    assert printer.history == [("print", "结婚登记声明书: 3 p × 2")]
    assert printer.status.state is DeviceState.READY
    assert printer.info.kind == "printer" and printer.info.backend == "sim" and printer.info.simulated
    printer.clear_printed()
    assert printer.printed == []


@pytest.mark.parametrize("pages", [1, 2, 5])
def test_page_count_matches_pdfium(pages: int) -> None:
    document = pdf_bytes(pages)
    assert count_pdf_pages("p", document) == len(pypdfium2.PdfDocument(document)) == pages


def test_page_count_from_the_page_tree_when_pages_are_compressed() -> None:
    # Page objects hidden in an object stream: only the page tree's /Count is readable.
    pdf = b"%PDF-1.7\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Kids [] /Count 4>> endobj\n%%EOF"
    assert count_pdf_pages("p", pdf) == 4


@pytest.mark.parametrize("data", [b"", b"hello", b"%PDF-1.4\n%%EOF"])
def test_not_a_printable_pdf(printer: SimPrinter, data: bytes) -> None:
    with pytest.raises(CorruptDataError):
        printer.print_pdf(data).result(timeout=5)
    assert printer.status.state is DeviceState.READY  # the caller's mistake, not the printer's
    assert printer.printed == []


def test_copies_must_be_positive(printer: SimPrinter) -> None:
    with pytest.raises(ValueError, match="copies"):
        printer.print_pdf(pdf_bytes(), copies=0)


def test_paper_runs_out_and_is_loaded(write_scenario: WriteScenario, scenario_data: dict[str, Any]) -> None:
    scenario_data["printer"]["paper_sheets"] = 5
    printer = SimPrinter(load_scenario(write_scenario(scenario_data)))
    seen: list[DeviceStatus] = []
    printer.status_did_change.connect(seen.append)
    try:
        printer.print_pdf(pdf_bytes(2), copies=2).result(timeout=5)
        assert printer.sheets_left == 1
        with pytest.raises(OutOfPaperError) as caught:  # 2 sheets needed, 1 left: nothing printed
            printer.print_pdf(pdf_bytes(2)).result(timeout=5)
        assert caught.value.code == "DEV-040" and "out of paper" in caught.value.message
        assert printer.paper_out and printer.sheets_left == 0
        assert printer.status.state is DeviceState.NOT_READY and printer.status.reason == "缺纸"
        with pytest.raises(OutOfPaperError):  # stays out of paper
            printer.print_pdf(pdf_bytes(1)).result(timeout=5)
        assert printer.status.reason == "缺纸"
        printer.load_paper().result(timeout=5)  # back to the scenario's 5 sheets
        assert printer.sheets_left == 5 and not printer.paper_out
        assert printer.status.state is DeviceState.READY
        printer.load_paper(sheets=100).result(timeout=5)
        printer.print_pdf(pdf_bytes(3)).result(timeout=5)
        assert printer.sheets_left == 97
        assert len(printer.printed) == 2
        assert (seen[-2].state, seen[-1].state) == (DeviceState.BUSY, DeviceState.READY)
    finally:
        printer.close()


def test_out_of_paper_by_hand(printer: SimPrinter) -> None:
    seen: list[DeviceStatus] = []
    printer.status_did_change.connect(seen.append)
    printer.run_out_of_paper().result(timeout=5)
    assert seen == [printer.status] and printer.status.state is DeviceState.NOT_READY
    assert printer.sheets_left is None  # an endless tray stays endless once loaded
    # Unplugged while out of paper, then back: still out of paper.
    printer.set_connected(False).result(timeout=5)
    assert printer.status.state is DeviceState.UNAVAILABLE
    printer.set_connected(True).result(timeout=5)
    assert printer.status.reason == "缺纸"
    with pytest.raises(ValueError):
        printer.load_paper(sheets=0)
    printer.load_paper().result(timeout=5)
    assert printer.status.state is DeviceState.READY
    assert printer.print_pdf(pdf_bytes()).result(timeout=5).pages == 1


def test_an_empty_tray_at_start(write_scenario: WriteScenario, scenario_data: dict[str, Any]) -> None:
    scenario_data["printer"]["paper_sheets"] = 0
    printer = SimPrinter(load_scenario(write_scenario(scenario_data)))
    try:
        assert printer.paper_out and printer.status.state is DeviceState.NOT_READY
    finally:
        printer.close()
