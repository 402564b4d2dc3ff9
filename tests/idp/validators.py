"""The claims the test provider sends: each user's email, its verified flag, name and groups (IDP_USERS_FILE)."""

import json

from django.conf import settings
from oauth2_provider.oauth2_validators import OAuth2Validator


def profiles() -> dict[str, dict]:
    with open(settings.USERS_FILE) as handle:
        return {user["username"]: user for user in json.load(handle)}


class ClaimsValidator(OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "groups": "profile"}

    def get_additional_claims(self, request):
        profile = profiles()[request.user.username]
        return {
            "email": profile["email"],
            "email_verified": profile.get("email_verified", True),
            "name": profile.get("name", ""),
            "given_name": profile.get("given_name", ""),
            "family_name": profile.get("family_name", ""),
            "groups": profile.get("groups", []),
        }
