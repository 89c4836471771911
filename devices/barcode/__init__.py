"""Barcode decoders: read QR codes (and other symbologies) from images the app holds."""
