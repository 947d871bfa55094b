"""The feed benchmark's baseline: a hand-written websocket broadcaster with no GraphQL in it.

    python -m bench.feed_broadcast --port 8001

It speaks just enough graphql-transport-ws for the benchmark's clients (``connection_init`` ->
``connection_ack``, one ``subscribe``), and ``POST /fire?changes=N`` sends N change events to
every subscriber: each event's JSON is built once, then one ``next`` frame per subscriber, as a
minimal server would. Served by uvicorn with the settings ``hub serve`` uses, so the difference
in delivery between the two is what the hub adds (reading the log, filtering, GraphQL).
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

PROTOCOL = "graphql-transport-ws"


class Broadcaster:
    """The subscribers connected now, by socket, with their operation ids."""

    def __init__(self) -> None:
        self.subscribers: dict[WebSocket, str] = {}
        self.seq = 0

    async def subscribe(self, websocket: WebSocket) -> None:
        await websocket.accept(subprotocol=PROTOCOL)
        try:
            assert (await websocket.receive_json())["type"] == "connection_init"
            await websocket.send_text('{"type":"connection_ack"}')
            operation = await websocket.receive_json()
            self.subscribers[websocket] = json.dumps(operation["id"])
            while True:
                await websocket.receive_text()
        except WebSocketDisconnect:
            pass
        finally:
            self.subscribers.pop(websocket, None)

    async def fire(self, request: Request) -> PlainTextResponse:
        for _ in range(int(request.query_params.get("changes", "1"))):
            self.seq += 1
            data = json.dumps({"changes": self._event()}, separators=(",", ":"))
            for websocket, operation in list(self.subscribers.items()):
                await websocket.send_text(
                    f'{{"id":{operation},"type":"next","payload":{{"data":{data}}}}}'
                )
        return PlainTextResponse("sent")

    def _event(self) -> dict[str, object]:
        """An event shaped like the hub's ``changes`` events in the benchmark."""
        now = datetime.now(UTC).isoformat()
        return {
            "seq": self.seq,
            "op": "UPDATED",
            "entity": "project",
            "key": f"2014-440304-47-01-{self.seq % 10:06d}",
            "projectCode": f"2014-440304-47-01-{self.seq % 10:06d}",
            "matterCode": None,
            "field": "name",
            "oldValue": f"项目{self.seq % 10}",
            "newValue": f"项目{self.seq % 10}+",
            "source": {"connector": "fgw", "department": "FGW", "syncRun": self.seq},
            "sourceTime": now,
            "recordedAt": now,
        }


def create_app() -> Starlette:
    broadcaster = Broadcaster()
    return Starlette(
        routes=[
            WebSocketRoute("/graphql", broadcaster.subscribe),
            Route("/fire", broadcaster.fire, methods=["POST"]),
            Route("/healthz", lambda _request: PlainTextResponse("ok")),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        create_app(),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        ws_per_message_deflate=False,
    )


if __name__ == "__main__":
    main()
