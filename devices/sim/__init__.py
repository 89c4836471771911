"""Shared pieces of the simulated backends: the scenario format and common behaviour.

The backends themselves live next to the real ones (`devices/<kind>/sim.py`).
"""
