"""Telling a failed TLS verification apart from an unreachable registry.

With `sslmode=verify-full` libpq refuses a server whose certificate is not signed by
the CA in `sslrootcert` or does not name the host of the URL; psycopg raises the same
OperationalError as for a server that is down. The message says which: these are
libpq's wordings (PostgreSQL 13-17, OpenSSL 1.1/3) of the failures IT must fix in the
configuration or on the server, never by waiting.
"""

from __future__ import annotations

_TLS_FAILURES = (
    "certificate verify failed",  # unknown CA, expired, not yet valid (OpenSSL's reason follows)
    "does not match host name",  # server certificate for "x" does not match host name "y"
    "root certificate file",  # sslrootcert missing or unreadable
    "server does not support ssl",  # sslmode verify-* against a server without TLS
    "ssl error: tlsv1 alert",  # the server refused our certificate (client certificates)
    "sslmode value",  # sslmode misspelt
    "private key file",  # sslkey missing, unreadable or too open
    "certificate file",  # sslcert missing or unreadable
)


def tls_failure(detail: str) -> bool:
    """True when the driver's message is a TLS verification or TLS setup failure."""
    text = detail.lower()
    return any(marker in text for marker in _TLS_FAILURES)
