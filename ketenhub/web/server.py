"""Composing and running the web tier: the backend of a data folder or a Kafka hub, the app, uvicorn.

``build_app`` opens the backend (on its own thread) and the token store of the data
folder and makes the app; ``serve`` runs it until interrupted; ``ServerThread`` runs it in
a background thread of the current process (tests, the benchmark) and stops it again.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import structlog
import uvicorn
from fastapi import FastAPI

from ketenhub.web.app import create_app
from ketenhub.web.backend import Backend, BackendThread
from ketenhub.web.settings import WebSettings
from ketenhub.web.tokens import TokenStore

if TYPE_CHECKING:
    from ketenhub.runtime.kafka.settings import KafkaSettings

log = structlog.get_logger("ketenhub.web")


def build_app(
    data_dir: Path,
    settings: WebSettings,
    kafka: KafkaSettings | None = None,
    *,
    run_pipeline: bool = True,
) -> FastAPI:
    """The web app over the embedded hub in ``data_dir``, or over the hub on Kafka if given.

    ``run_pipeline``: on the embedded hub, seal and project after accepted writes (off only
    when another process is the folder's writer, as in a test of the web tier alone).
    """

    def open_backend() -> Backend:
        if kafka is None:
            from ketenhub.web.embedded_backend import EmbeddedBackend

            return EmbeddedBackend(
                data_dir, writer_wait_s=settings.writer_wait_s, run_pipeline=run_pipeline
            )
        from ketenhub.web.kafka_backend import KafkaBackend  # Kafka clients load only here

        return KafkaBackend(kafka)

    return create_app(BackendThread(open_backend), settings, TokenStore(data_dir))


def serve(app: FastAPI, host: str, port: int) -> None:
    """Serve the app on ``host:port`` until interrupted."""
    log.info("web_serving", host=host, port=port)
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)


def free_port(host: str = "127.0.0.1") -> int:
    """A port on ``host`` that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class ServerThread:
    """The app served by uvicorn in a background thread; ``with`` starts and stops it."""

    def __init__(self, app: FastAPI, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host, self.port = host, port or free_port(host)
        config = uvicorn.Config(
            app,
            host=self.host,
            port=self.port,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="ketenhub-web-server")

    @property
    def url(self) -> str:
        """The server's base URL, e.g. ``http://127.0.0.1:8080``."""
        return f"http://{self.host}:{self.port}"

    def start(self, timeout_s: float = 30) -> None:
        """Start serving; return once the server accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                msg = f"the web server did not start on {self.url}"
                raise RuntimeError(msg)
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop serving (open streams are closed) and wait for the thread."""
        self._server.should_exit = True
        self._thread.join()

    def __enter__(self) -> ServerThread:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
