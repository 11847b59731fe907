"""The operator's admin site: Django's, with every password it checks passing
the one gate (users.credentials), so a stolen staff session or a guesser at the
login form meets the same locks as the API."""

from allauth.account.signals import password_changed
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.forms import AdminPasswordChangeForm as DjangoPasswordChangeForm
from django.contrib.auth import authenticate
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import ValidationError
from django.urls import reverse

from users import admin_sessions, credentials
from users.cleaning import CODE_MAX_LENGTH
from users.errors import InvalidCredentials, RateLimited


class LoginForm(AdminAuthenticationForm):
    """Through the gate already (users.backends), with the second factor of an
    account that has one; a lock, or a missing or wrong code, says so rather than
    "wrong password"."""

    code = forms.CharField(
        label="Code",
        required=False,
        max_length=CODE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text="From your authenticator app, or a recovery code, if your account has a second factor.",
    )

    def clean(self) -> dict:
        # Django's, with the code handed to authenticate() as well.
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if username is not None and password:
            code = self.cleaned_data.get("code") or None
            self.user_cache = authenticate(self.request, username=username, password=password, code=code)
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

    def get_invalid_login_error(self) -> ValidationError:
        refusal = getattr(self.request, "login_refusal", None)
        if refusal:
            return ValidationError(refusal, code="rate_limited")
        return super().get_invalid_login_error()


class PasswordChangeForm(DjangoPasswordChangeForm):
    """The current password is checked through the gate, not by `check_password`."""

    def __init__(self, *args, request, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        try:
            credentials.check(self.request, self.user.email, old_password)
        except InvalidCredentials:
            raise ValidationError(self.error_messages["password_incorrect"], code="password_incorrect") from None
        except RateLimited as refusal:
            raise ValidationError(refusal.message, code="rate_limited") from None
        return old_password

    def save(self, commit: bool = True):
        # Every other session of the account ends; this admin sign-in goes on.
        self.user.set_password(self.cleaned_data["new_password1"], keep_session=admin_sessions.current(self.request))
        if commit:
            self.user.save()
        return self.user


class GatedPasswordChangeView(PasswordChangeView):
    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        response = super().form_valid(form)
        password_changed.send(sender=type(form.user), request=self.request, user=form.user)  # the security history
        return response


class AdminSite(admin.AdminSite):
    login_form = LoginForm
    login_template = "admin/login_with_code.html"
    site_header = f"{settings.SITE_NAME} administration"
    # The service has no page at "/" for the admin's "View site" link to open.
    site_url = None

    def login(self, request, extra_context=None):
        response = super().login(request, extra_context)
        if request.method == "POST" and request.user.is_authenticated and response.status_code == 302:
            admin_sessions.open_session(request, request.user)
        return response

    def logout(self, request, extra_context=None):
        admin_sessions.close_session(request)
        return super().logout(request, extra_context)

    def has_permission(self, request) -> bool:
        # Every admin page: Django's check, on a sign-in whose session lives.
        return super().has_permission(request) and admin_sessions.lives(request)

    def password_change(self, request, extra_context=None):
        # Django's own view, with the form above.
        defaults = {
            "form_class": PasswordChangeForm,
            "success_url": reverse("admin:password_change_done", current_app=self.name),
            "extra_context": {**self.each_context(request), **(extra_context or {})},
        }
        if self.password_change_template is not None:
            defaults["template_name"] = self.password_change_template
        request.current_app = self.name
        return GatedPasswordChangeView.as_view(**defaults)(request)
