"""Benchmarks of kong_orm against the raw drivers and plain SQLAlchemy / cqlengine.

Run from the repository root: ``python -m benchmarks --help``. Not part of the
installed package.
"""
