"""Coordination: allocation to units and people, transfer, decline and deadline extensions."""
