// Confirms the address when a person opens the page (a prefetch runs no script).
"use strict";

(function () {
  const { page, graphql, show, linkRequestForm } = window.gqlAuth;
  const VERIFY = "mutation($key: String!) { verifyEmail(key: $key) { success errors { code message } } }";

  async function verify() {
    show("loading");
    try {
      const data = await graphql(VERIFY, { key: page.dataset.key });
      const result = data.verifyEmail;
      if (result.success) return show("success");
      const code = result.errors[0].code;
      if (code === "EXPIRED_KEY") return show("expired");
      if (code === "INVALID_KEY" || code === "INVALID_INPUT") return show("invalid");
      document.getElementById("error-message").textContent = result.errors[0].message;
      show("error");
    } catch (error) {
      show("error");
    }
  }

  document.getElementById("retry").addEventListener("click", verify);
  linkRequestForm(document.getElementById("resend-form"), "resendVerificationEmail",
                  document.getElementById("resend-done"));
  verify();
})();
