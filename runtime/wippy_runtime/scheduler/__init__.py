"""Pools (and, later, the dispatcher and processes)."""
