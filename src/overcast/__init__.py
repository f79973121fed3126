"""overcast: a self-hosted serverless platform (see DESIGN.md)."""

__version__ = "0.1.0"
