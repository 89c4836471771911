"""Fingerprint scanners (指纹仪): one flat capture of one finger."""
