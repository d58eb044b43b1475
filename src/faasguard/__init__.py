"""faasguard: a security toolkit for serverless applications."""

__version__ = "0.1.0"
