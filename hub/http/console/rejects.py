"""Rejected source rows (``/console/rejects?connector=fgw``): each with its raw row and the
reasons it was not stored, newest first (the ``rejects`` query), one page at a time."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from hub.auth import Principal
from hub.http.console.page import ConsolePage

REJECTS = """
query Rejects($connector: String, $after: String) {
  rejects(connector: $connector, first: 50, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id connector stream entity syncRunId sourceKey raw reasons createdAt }
  }
}
"""


class Rejects(ConsolePage):
    path = "/console/rejects"
    template = "console/rejects.html"
    switch = "operations"

    async def values(self, request: Request, principal: Principal) -> Mapping[str, Any]:
        connector = request.query_params.get("connector") or None
        after = request.query_params.get("after") or None
        data = await self.query(request, REJECTS, connector=connector, after=after)
        page = data["rejects"]
        for node in page["nodes"]:
            node["raw_text"] = json.dumps(node["raw"], ensure_ascii=False, indent=1)
        return {
            "page": page,
            "connector": connector,
            "connectors": [c.name for c in self.config.connectors],
        }
