"""Printers: the counter prints forms, receipts and certificates from PDFs."""
