"""Loaders: each input format becomes the one model in :mod:`faasguard.model`."""
