"""The scoring package's errors, importable without numpy, pandas or scikit-learn."""

from __future__ import annotations


class DataError(ValueError):
    """Training data that cannot be used; the message says why (the CLI exits with 2)."""


class ArtifactError(Exception):
    """A model artifact that must not be used."""


class UnknownVersionError(ArtifactError):
    """No artifact with that version exists in the registry."""


class TamperedArtifactError(ArtifactError):
    """The model file's SHA-256 differs from the one recorded at training time."""


class LibraryVersionError(ArtifactError):
    """The artifact was written by other scikit-learn / numpy versions than the running ones."""
