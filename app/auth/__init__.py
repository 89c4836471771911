"""Operators at the counter (#10): accounts managed centrally and cached for offline
login (store, secrets), the AuthService with its lockout and permission rules
(service), the counter's session (session), the workflows' guard (guard), the second
factor port (second_factor) and IT's `operators` commands (cli)."""
