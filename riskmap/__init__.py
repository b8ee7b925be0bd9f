"""riskmap: where in a service's architecture the risk is, and what to fix first."""

__version__ = "0.1.0"
