// Confirms the address when the person clicks, never on load: mail scanners
// open links, and some run the page's script.
"use strict";

(function () {
  const { confirmButton, linkRequestForm } = window.gqlAuth;
  confirmButton(document.getElementById("confirm"), "verifyEmail");
  linkRequestForm(document.getElementById("resend-form"), "resendVerificationEmail",
                  document.getElementById("resend-done"));
})();
