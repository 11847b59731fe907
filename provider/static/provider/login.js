// The hosted login's passkeys: WebAuthn options from the API, the browser's
// answer posted in the page's own form (with its CSRF token). The rest of the
// page works without this script.
"use strict";

(function () {
  const api = window.gqlAuth;
  const OPTIONS = `mutation($purpose: WebauthnPurpose!, $mfaToken: String) {
    webauthnOptions(purpose: $purpose, mfaToken: $mfaToken) { success errors { message } options }
  }`;

  async function answer(purpose, mfaToken) {
    const data = await api.graphql(OPTIONS, { purpose: purpose, mfaToken: mfaToken || null });
    const result = data.webauthnOptions;
    if (!result.success) throw new Error(result.errors.map((e) => e.message).join(" "));
    const options = PublicKeyCredential.parseRequestOptionsFromJSON(result.options.publicKey);
    const credential = await navigator.credentials.get({ publicKey: options });
    return JSON.stringify(credential.toJSON());
  }

  function wire(button, form, field, slot, purpose, mfaToken) {
    if (!button || !window.PublicKeyCredential || !PublicKeyCredential.parseRequestOptionsFromJSON) return;
    button.addEventListener("click", async function () {
      button.disabled = true;
      slot.hidden = true;
      try {
        field.value = await answer(purpose, mfaToken);
        const code = form.querySelector("input[name=code]");
        if (code) code.value = "";
        form.submit();
      } catch (error) {
        slot.textContent = error.name === "NotAllowedError"
          ? gettext("The security key was not used. Try again, or use another way.")
          : error.message;
        slot.hidden = false;
        button.disabled = false;
      }
    });
    // Only now: a button shown before its handler would ignore a click.
    form.hidden = false;
    button.hidden = false;
  }

  const passkeyForm = document.getElementById("passkey-form");
  if (passkeyForm) {
    wire(document.getElementById("passkey-button"), passkeyForm, document.getElementById("passkey-credential"),
      document.getElementById("passkey-error"), "LOGIN");
  }
  const mfaForm = document.getElementById("mfa-form");
  if (mfaForm) {
    wire(document.getElementById("mfa-key-button"), mfaForm, document.getElementById("mfa-credential"),
      document.getElementById("mfa-key-error"), "MFA", mfaForm.dataset.mfaToken);
  }
})();
