"""Pure domain model: frozen dataclasses and enums, standard library only."""
