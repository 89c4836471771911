"""Diagnostics for IT: the device report, per-device self-tests and the support bundle
(`marriage-counter devices list|test`, `marriage-counter support-bundle`, the GUI's
Diagnostics page). Qt-free: the page in ui/diagnostics.py shows what this builds."""
