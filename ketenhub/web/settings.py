"""Settings of the web tier: the hub's settings plus the limits of the API, read once.

``WebSettings`` extends ``HubSettings`` (``ketenhub.settings``): where the hub is, where the
server listens (``http_host``, ``http_port``), how long to wait for the folder's writer; and
the ``web_*`` limits: request sizes, rate limits per token and per website reporter.
"""

from __future__ import annotations

from pydantic import Field, ValidationError

from ketenhub.settings import HubSettings, InvalidSetting


class WebSettings(HubSettings):
    """Where the web tier listens and the limits it keeps."""

    web_max_body_bytes: int = Field(
        256 * 1024, ge=1024, description="Largest request body the API accepts, in bytes."
    )
    web_token_burst: int = Field(
        300, ge=1, description="Requests one partner token may make at once before it is slowed."
    )
    web_token_rate_per_s: float = Field(
        50.0, gt=0, description="Requests per second one partner token may make on average."
    )
    web_report_burst: int = Field(
        5, ge=1, description="Website reports one client address may send at once."
    )
    web_report_rate_per_s: float = Field(
        1 / 60,
        gt=0,
        description="Website reports per second one client address may send on average.",
    )
    web_stream_poll_s: float = Field(
        0.5, gt=0, description="How often a view stream looks for changes, in seconds."
    )


def web_settings(**given: object) -> WebSettings:
    """The web settings: the values given, the KETENHUB_ variables for the rest.

    Raises ``InvalidSetting`` naming a variable that holds a value its setting cannot take.
    """
    try:
        return WebSettings(**given)  # type: ignore[arg-type]  # pydantic validates each value
    except ValidationError as exc:
        raise InvalidSetting(exc) from None
