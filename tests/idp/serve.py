"""Start the test OpenID Provider: migrate its SQLite file, create its users and the portal's client, serve.

python -m tests.idp.serve  (the environment: IDP_PORT, IDP_DATABASE, IDP_RSA_KEY_FILE, IDP_USERS_FILE,
IDP_CLIENT_ID, IDP_CLIENT_SECRET, IDP_REDIRECT_URIS; DJANGO_SETTINGS_MODULE=tests.idp.settings)
"""

import json
import os

import django
from django.core.management import call_command


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.idp.settings"
    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0, interactive=False)
    with open(settings.USERS_FILE) as handle:
        for profile in json.load(handle):
            user, _ = User.objects.get_or_create(username=profile["username"])
            user.set_password(profile["password"])
            user.save()
    Application.objects.update_or_create(
        client_id=os.environ["IDP_CLIENT_ID"],
        defaults={
            "name": "CHILD portal",
            "client_secret": os.environ["IDP_CLIENT_SECRET"],
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "redirect_uris": os.environ["IDP_REDIRECT_URIS"],
            "algorithm": Application.RS256_ALGORITHM,
            "skip_authorization": True,
        },
    )
    call_command("runserver", f"127.0.0.1:{settings.PORT}", use_reloader=False, use_threading=True)


if __name__ == "__main__":
    main()
