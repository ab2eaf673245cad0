"""Versioned CQL migrations (``<component>/NNNN_name.cql``) and their runner."""
