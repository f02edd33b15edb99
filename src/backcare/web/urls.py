"""The site's URLs: each app names its own in its `urls.py`; here they are put together.

No app namespaces: URL names are global (`reverse("client_detail", ...)`), so every name must be
unique across the apps.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_GET

from backcare.web.outage import LIVENESS_PATH, ready


@require_GET
def health(request: HttpRequest) -> HttpResponse:
    """Liveness, for load balancers and the benchmark's trivial-view baseline: the process
    answers. It touches neither the database nor the cache; `/ready` asks both (web/outage.py).
    Never cached (not in PUBLIC_PAGES): a proxy's stored "ok" would hide a dead server."""
    return HttpResponse("ok", content_type="text/plain")


# Friendly dead ends (web/errors.py): what happened and what to do, on a phone (issue 11).
handler400 = "backcare.web.errors.bad_request"
handler403 = "backcare.web.errors.permission_denied"
handler404 = "backcare.web.errors.page_not_found"
handler500 = "backcare.web.errors.server_error"

urlpatterns = [
    path(LIVENESS_PATH.removeprefix("/"), health, name="health"),
    path("ready", ready, name="ready"),
    path("", include("backcare.accounts.urls")),
    path("", include("backcare.clinic.urls")),
    path("", include("backcare.fhir.urls")),
    path("", include("backcare.reports.urls")),
    path("", include("backcare.selfcheck.urls")),
    path("", include("backcare.api.urls")),
    path("", include("backcare.staff.urls")),
]
