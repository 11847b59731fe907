from django.urls import include, path

from provider import views

urlpatterns = [
    path("login", views.login, name="hosted-login"),
    # allauth's authorization endpoint sends `prompt=login` to allauth.account's
    # pages by these names: here they are the hosted login too.
    path("login", views.login, name="account_login"),
    path("login", views.login, name="account_reauthenticate"),
    path("forgot-password", views.forgot_password, name="forgot-password"),
    # allauth's, refusing a bad request before asking anyone to sign in, and
    # letting their forms' answers reach the application (views.allow_form_redirect).
    path("identity/o/authorize", views.authorization),
    path("identity/o/logout", views.logout),
    path("identity/o/api/token", views.token),
    # The device flow is not offered: no client may be given its grant, and its
    # endpoints would let anyone store codes in the cache unbounded.
    path("identity/o/device", views.not_offered),
    path("identity/o/api/device/code", views.not_offered),
    # Discovery, JWKS, authorize, token, userinfo, revoke, introspect, logout.
    path("", include("allauth.idp.urls")),
]
