"""Demo company generator (``kizuna demo-data``): a believable Japanese tea maker with B2B
accounts and D2C customers, deterministic for a seed (docs/decisions/0103-demo-data.md).

The generator (``generate``, ``b2b``, ``d2c``, ``people`` and the data tables) is pure and never
imports Django; ``services`` loads its rows into the database and ``tasks`` runs that as a job.
"""

from kizuna.demo.base import DEFAULT_AS_OF, SCALES, Plan
from kizuna.demo.generate import DemoData

__all__ = ["DEFAULT_AS_OF", "SCALES", "DemoData", "Plan"]
