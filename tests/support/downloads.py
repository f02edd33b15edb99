"""Reading a download in tests: a file that is sent whole or streamed, as bytes."""

from __future__ import annotations

from typing import Any


def body(response: Any) -> bytes:
    """The response's whole body, whether it was sent at once or streamed."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)
