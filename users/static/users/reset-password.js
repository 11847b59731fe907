// The new-password form: checks what it can before sending, shows the server's reasons in place.
"use strict";

(function () {
  const { page, graphql, show, fieldError, linkRequestForm } = window.gqlAuth;
  const RESET = "mutation($key: String!, $password: String!) { resetPassword(key: $key, newPassword: $password) { success errors { field code message } } }";
  const form = document.getElementById("reset-form");
  const password = document.getElementById("new-password");
  const confirmation = document.getElementById("confirm-password");
  const formError = document.getElementById("form-error");

  function formMessage(message) {
    formError.textContent = message || "";
    formError.hidden = !message;
  }

  function checkBeforeSending() {
    fieldError(password, "");
    fieldError(confirmation, "");
    if (password.value.length < 12) {
      fieldError(password, gettext("Use at least 12 characters."));
      password.focus();
      return false;
    }
    if (password.value !== confirmation.value) {
      fieldError(confirmation, gettext("The two passwords do not match."));
      confirmation.focus();
      return false;
    }
    return true;
  }

  document.getElementById("show-passwords").addEventListener("change", function (event) {
    const type = event.target.checked ? "text" : "password";
    password.type = type;
    confirmation.type = type;
  });

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    formMessage("");
    if (!checkBeforeSending()) return;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const data = await graphql(RESET, { key: page.dataset.key, password: password.value });
      const result = data.resetPassword;
      if (result.success) return show("success");
      const error = result.errors[0];
      if (error.code === "EXPIRED_KEY") return show("expired");
      if (error.code === "INVALID_KEY" || (error.code === "INVALID_INPUT" && error.field === "key")) {
        return show("invalid");
      }
      if (error.field === "newPassword") {
        fieldError(password, error.message);
        password.focus();
      } else {
        formMessage(error.message);
      }
    } catch (error) {
      formMessage(gettext("We could not reach the server. Please try again."));
    } finally {
      button.disabled = false;
    }
  });

  linkRequestForm(document.getElementById("request-form"),
    "mutation($email: String!) { result: requestPasswordReset(email: $email) { success errors { code message } } }",
    document.getElementById("request-done"));
})();
