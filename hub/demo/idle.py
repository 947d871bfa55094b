"""How long the demo's projects have been quiet: the seed tracked some 200+ projects idle for
more than two months (hub.idle's rule). Without this, half the projects whose filings are all
closed would have been quiet for months, about twice the seed's figure; a share of those came
back recently instead.

The choice is drawn from each project's own seed, never from the planner's random stream, so
every other figure of the demo (time limits, lead times) stays as it was.
"""

from __future__ import annotations

import random

from hub.demo.projects import Project

# Of the projects with all filings closed and a long quiet spell drawn, the share that was in
# fact active again in the last weeks.
RECENTLY_BACK_SHARE = 0.5
RECENT_DAYS = 31  # working days: a quiet spell that short is not idle


def settle_quiet(project: Project, quiet: int) -> int:
    """The working days a project with every filing closed has been quiet at as_of, given the
    spell the planner drew: long spells of ``RECENTLY_BACK_SHARE`` of them become short."""
    if quiet < RECENT_DAYS:
        return quiet
    own = random.Random(f"quiet/{project.index}/{project.name}")
    return quiet % RECENT_DAYS if own.random() < RECENTLY_BACK_SHARE else quiet
