"""The app's settings with its page cache off, for benchmarks that measure what a page costs
rather than what its cached fragments hide (issue 13: "without the page cache").

    DJANGO_SETTINGS_MODULE=nocache_settings (with benchmarks/ on the Python path)

Every `{% cache %}` fragment misses (it is rendered each time); everything else the cache
holds (rate-limit counters, the outage probe) works as usual.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.locmem import LocMemCache

from backcare.web.settings import *  # noqa: F403


class NoFragmentCache(LocMemCache):
    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        if key.startswith("template.cache."):
            return default
        return super().get(key, default, version)


CACHES = {"default": {"BACKEND": "nocache_settings.NoFragmentCache"}}
