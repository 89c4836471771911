"""Application core of the marriage registration counter. Imports no Qt widgets."""
