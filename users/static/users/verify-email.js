// Confirms the address when the person clicks, never on load: mail scanners
// open links, and some run the page's script.
"use strict";

(function () {
  const { confirmButton, linkRequestForm } = window.gqlAuth;
  confirmButton(document.getElementById("confirm"),
    "mutation($key: String!) { result: verifyEmail(key: $key) { success errors { code message } } }");
  linkRequestForm(document.getElementById("resend-form"),
    "mutation($email: String!) { result: resendVerificationEmail(email: $email) { success errors { code message } } }",
    document.getElementById("resend-done"));
})();
