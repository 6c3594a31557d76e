"""The ``hashless`` command."""
