"""django-allauth adapters: the portal's rules for accounts and single sign-on.

``AccountAdapter`` (ACCOUNT_ADAPTER): SSO_ONLY closes password sign-up and sign-in; every security
notification lands in the account's security log; a sign-in through an identity provider applies the
group mapping; every account email (verification, password reset, security notices) goes through the
portal's outbox instead of SMTP inside the web request.
``SocialAccountAdapter`` (SOCIALACCOUNT_ADAPTER): just-in-time accounts.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django import forms
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from communities.models import Category, User
from communities.services import notify as notify_services
from communities.services import sso as sso_services

SSO_ONLY_MESSAGE = "Password sign-in is turned off here: use your organisation's sign-in button above."


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return not settings.SSO_ONLY

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        # The password form is off with SSO_ONLY; site admins keep Django's admin sign-in (break-glass).
        if settings.SSO_ONLY and "password" in credentials:
            raise forms.ValidationError(SSO_ONLY_MESSAGE)
        super().pre_authenticate(request, **credentials)

    def post_login(self, request: HttpRequest, user, **kwargs: Any) -> HttpResponse:
        sociallogin = (kwargs.get("signal_kwargs") or {}).get("sociallogin")
        if sociallogin is not None and sociallogin.account is not None:
            sso_services.group_memberships_apply(
                user=user, groups=sso_services.groups_from_claims(sociallogin.account.extra_data)
            )
        return super().post_login(request, user, **kwargs)

    def send_notification_mail(self, template_prefix: str, user, context=None, email=None) -> None:
        kind = sso_services.notification_kind(template_prefix)
        if kind is not None and getattr(user, "pk", None):
            request = self.request
            sso_services.security_event_record(
                user=user,
                kind=kind,
                detail=_detail(context),
                ip=self.get_client_ip(request) if request is not None else None,
                user_agent=self.get_http_user_agent(request) if request is not None else "",
            )
        super().send_notification_mail(template_prefix, user, context=context, email=email)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Queue the email in the outbox (sent by the beat task): a refusing SMTP server never fails a page."""
        request = allauth_context.request
        account_email_queue(
            template_prefix=template_prefix,
            email=email,
            context={"request": request, "email": email, "current_site": get_current_site(request), **context},
            request=request,
        )


# The link an account email asks the reader to follow, by the context key allauth gives it.
ACTION_LINKS = (
    ("activate_url", "Confirm my email address"),
    ("password_reset_url", "Choose a new password"),
    ("signup_url", "Sign up"),
)


def account_email_queue(*, template_prefix: str, email: str, context: dict, request: HttpRequest | None = None):
    """Put one of allauth's emails into the outbox as a portal email (category ACCOUNT).

    allauth's own templates give the subject and the message (``templates/account/email/`` drops its
    "Hello from <site>" frame); the portal's ``emails/account`` templates wrap them with the usual
    header, button and footer. Account emails ignore email preferences and carry no unsubscribe link.
    """
    subject = " ".join(render_to_string(f"{template_prefix}_subject.txt", context, request).split())
    message = render_to_string(f"{template_prefix}_message.txt", context, request).strip()
    user = context.get("user")
    if not isinstance(user, User) or not user.pk:
        user = User.objects.filter(email__iexact=email).first()
    action_url, action_label = next(((context[k], label) for k, label in ACTION_LINKS if context.get(k)), ("", ""))
    return notify_services.queue_email(
        user=user,
        to=email,
        category=Category.ACCOUNT,
        template="account",
        context={
            "subject": f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
            "message": message,
            "action_url": action_url,
            "action_label": action_label,
        },
        message_id=notify_services.new_message_id("account"),
    )


def _detail(context: dict | None) -> str:
    if not context:
        return ""
    for key in ("provider", "account", "authenticator", "from_email", "to_email"):
        if context.get(key) is not None:
            return f"{key.replace('_', ' ')}: {context[key]}"
    return ""


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        # Accounts come into being on a first sign-in through the organisation, even with SSO_ONLY.
        return True

    def populate_user(self, request: HttpRequest, sociallogin, data: dict):
        user = super().populate_user(request, sociallogin, data)
        user.display_name = sso_services.display_name_from_claims(data)
        return user
