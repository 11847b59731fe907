from django.urls import include, path

from provider import device, endpoints, pages

urlpatterns = [
    path("login", pages.login, name="hosted-login"),
    # allauth's authorization endpoint sends `prompt=login` to allauth.account's
    # pages by these names: here they are the hosted login too.
    path("login", pages.login, name="account_login"),
    path("login", pages.login, name="account_reauthenticate"),
    path("forgot-password", pages.forgot_password, name="forgot-password"),
    path("signup", pages.signup, name="hosted-signup"),
    path("account", pages.account, name="hosted-account"),
    # allauth's, refusing a bad request before asking anyone to sign in, and
    # letting their forms' answers reach the application (endpoints.allow_form_redirect).
    path("identity/o/authorize", endpoints.authorization),
    path("identity/o/logout", endpoints.logout),
    path("identity/o/api/token", endpoints.token),
    path("identity/o/api/userinfo", endpoints.userinfo),
    path("identity/o/api/revoke", endpoints.revoke),
    # The device flow (RFC 8628): its page is /device, on the hosted login's session.
    path("device", device.device_authorization, name="device"),
    path("identity/o/device", endpoints.not_offered),
    path("identity/o/api/device/code", device.device_code),
    # Discovery, JWKS, authorize, token, userinfo, revoke, introspect, logout.
    path("", include("allauth.idp.urls")),
]
