"""The counter workflow as explicit state machines; every step persists before it returns."""
