"""Sign-in forgery: another site cannot sign a visitor's browser in to the hub as someone else."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from ketenhub.web.server import free_port
from tests.web.browser.conftest import PASSWORD, PagesHub, Screen


@contextmanager
def _other_site(folder: Path) -> Iterator[str]:
    """A web site of its own (``localhost``, another site than the hub's ``127.0.0.1``)."""
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_another_site_cannot_sign_a_visitor_in_as_its_own_user(
    pages_hub: PagesHub, screens: Callable[..., Screen], tmp_path: Path
) -> None:
    """A form on another site posting the attacker's name and password to /aanmelden starts no session."""
    attacker = pages_hub.user("police", "aanvaller")
    (tmp_path / "lure.html").write_text(
        f"""<!doctype html><html lang="nl"><body>
<form id="f" method="post" action="{pages_hub.url}/aanmelden">
<input name="name" value="{attacker}"><input name="password" value="{PASSWORD}">
<input name="terug" value="/zaken"></form>
<script>document.getElementById("f").submit();</script></body></html>""",
        encoding="utf-8",
    )
    screen = screens(pages_hub)
    with _other_site(tmp_path) as site:
        screen.page.goto(f"{site}/lure.html")
        screen.page.wait_for_url(f"{pages_hub.url}/**")
        screen.page.wait_for_load_state()
    screen.goto("/zaken")
    screen.page.wait_for_load_state()
    assert "/aanmelden" in screen.page.url, "the visitor must not be signed in as the attacker"
    assert "aanvaller" not in screen.page.content()
    screen.sign_in(attacker)  # the hub's own form still signs in
    screen.goto("/zaken")
    assert "/zaken" in screen.page.url and "aanvaller" in screen.page.content()
