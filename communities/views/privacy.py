"""The patient-identifier check the forms call while a member types (static/js/phi-check.js).

The same detectors run again when the form is posted (``communities/forms/privacy.py``): this view only
warns early, it never decides.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from childsys.lib import ratelimit
from childsys.lib.phi import find_identifiers
from communities.access import community_for_member
from communities.forms.privacy import community_patterns

CHECK_RATE = ratelimit.Rate(limit=120, period=60)  # typing pauses: about one check a second at most
CHECK_MAX_CHARS = 20000


@login_required
@require_POST
def privacy_check(request: HttpRequest, slug: str) -> JsonResponse:
    """JSON: the possible patient identifiers in ``text`` (nothing is stored or logged)."""
    access = community_for_member(request, slug)
    if not ratelimit.hit("communities.privacy-check", request.user.pk, CHECK_RATE):
        return JsonResponse({"findings": [], "limited": True}, status=429)
    text = request.POST.get("text", "")[:CHECK_MAX_CHARS]
    findings = find_identifiers(text, extra_mrn_patterns=community_patterns(access.community))
    return JsonResponse(
        {
            "findings": [
                {
                    "kind": f.kind,
                    "label": f.label,
                    "value": f.value,
                    "start": f.start,
                    "end": f.end,
                    "message": f.message,
                }
                for f in findings
            ]
        }
    )
