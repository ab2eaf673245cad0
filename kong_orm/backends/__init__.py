"""Store implementations, one sub-package each."""
