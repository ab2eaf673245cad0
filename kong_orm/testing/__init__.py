"""Helpers for testing kong_orm against real database servers."""
