"""Tests for reservations, hand-over and the reuse ledger."""
