"""Staff actions that conversation scenarios take between a worker's turns (`- staff: name`).

Each takes the runtime and the scenario's saved variables. Domains add theirs here.
"""
from __future__ import annotations
