"""Run riskmap as ``python -m riskmap``."""

from riskmap.cli import main

main()
