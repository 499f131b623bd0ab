"""The hub's HTTP side: health and status of the audit log over plain HTTP, never case content."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import structlog

from ketenhub.core.checkpoint_records import decode_checkpoint
from ketenhub.runtime.kafka.log_reader import KafkaLogReader
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.topics import TopicNames

log = structlog.get_logger("ketenhub.http")


def hub_status(settings: KafkaSettings) -> dict[str, Any]:
    """Counts of sealed and rejected records and the last signed checkpoint (no personal data)."""
    names = TopicNames(settings.topic_prefix)
    registry = settings.hub_folder.registry()
    with KafkaLogReader(settings) as reader:
        sealed = reader.total_records([names.audit_log])
        ends = reader.end_offsets(names.checkpoints)
        last = None
        if ends.get(0):
            stored = next(reader.records(names.checkpoints, 0, ends[0] - 1, ends[0]))
            checkpoint = decode_checkpoint(stored.value or b"", stored.offset)
            last = {
                "tree_size": checkpoint.tree_size,
                "root": checkpoint.root.hex(),
                "key_id": checkpoint.key_id,
            }
        rejected = {p.id: reader.total_records([names.rejected(p.id)]) for p in registry.partners}
    return {"sealed_records": sealed, "last_checkpoint": last, "rejected_messages": rejected}


def make_handler(settings: KafkaSettings) -> type[BaseHTTPRequestHandler]:
    """A request handler serving /health and /status for one hub."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/health":
                self._reply(200, {"status": "ok"})
                return
            if self.path != "/status":
                self._reply(404, {"error": f"no such resource {self.path}; try /health or /status"})
                return
            try:
                self._reply(200, hub_status(settings))
            except Exception as exc:  # any failure becomes a 503 naming its type, never a hang
                log.warning("status_failed", error=type(exc).__name__)
                self._reply(
                    503, {"error": f"the hub's topics cannot be read: {type(exc).__name__}"}
                )

        def _reply(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body, sort_keys=True).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # the stdlib's signature
            log.info("http_request", path=self.path)

    return Handler


def serve_http(settings: KafkaSettings, host: str, port: int) -> None:
    """Serve until interrupted."""
    server = ThreadingHTTPServer((host, port), make_handler(settings))
    log.info("http_serving", host=host, port=port)
    try:
        server.serve_forever()
    finally:
        server.server_close()
