// The account page: everything it shows and changes goes through the service's
// GraphQL API with the session cookie, so every rule (recent sign-in, limits,
// notices) is the API's. A mutation answering REAUTHENTICATION_REQUIRED asks for
// the password, a code or a passkey in place (reauthenticate), then runs again.
// Messages come from the page's catalogue (Django's JavaScriptCatalog).
"use strict";

(function () {
  const page = document.getElementById("page");
  const root = document.getElementById("account");
  const lang = document.documentElement.lang || "en";
  const $ = (id) => document.getElementById(id);

  const ME = `{ me { email language
    sessions { id createdAt lastUsedAt userAgent ipAddress current }
    authenticators { id type name passkey createdAt lastUsedAt unusedCodes }
    applications { id name scopes grantedAt lastUsedAt }
    identities { id email provider { name } createdAt lastUsedAt }
    securityEvents(first: 20) { type createdAt ipAddress userAgent } } }`;

  const EVENTS = {
    LOGIN: gettext("Signed in"),
    LOGIN_FAILED: gettext("A sign-in failed"),
    LOGIN_LOCKED: gettext("Sign-ins were locked after failures"),
    LOGOUT: gettext("Signed out"),
    SESSION_REVOKED: gettext("A session was ended"),
    PASSWORD_CHANGED: gettext("Password changed"),
    PASSWORD_RESET_REQUESTED: gettext("Password reset asked for"),
    PASSWORD_RESET: gettext("Password reset"),
    EMAIL_VERIFIED: gettext("Address confirmed"),
    EMAIL_CHANGE_REQUESTED: gettext("Change of address asked for"),
    EMAIL_CHANGED: gettext("Address changed"),
    MFA_ENABLED: gettext("Authenticator app added"),
    MFA_DISABLED: gettext("Two-step verification turned off"),
    MFA_FAILED: gettext("A second step failed"),
    RECOVERY_CODE_USED: gettext("A recovery code was used"),
    RECOVERY_CODES_REGENERATED: gettext("New recovery codes"),
    PASSKEY_ADDED: gettext("Passkey added"),
    AUTHENTICATOR_REMOVED: gettext("Second factor removed"),
    REAUTHENTICATED: gettext("Confirmed it was you"),
    ACCOUNT_DISABLED: gettext("Account deactivated"),
    ACCOUNT_ENABLED: gettext("Account reactivated"),
    ACCOUNT_DELETED: gettext("Account deleted"),
    APPLICATION_REVOKED: gettext("An application's access was ended"),
    USER_REGISTERED: gettext("Account created"),
    USER_IMPORTED: gettext("Account moved in"),
    EXTERNAL_LOGIN: gettext("Signed in through another provider"),
    IDENTITY_LINKED: gettext("Sign-in linked"),
    IDENTITY_UNLINKED: gettext("Sign-in unlinked"),
    LOGIN_LOCKS_CLEARED: gettext("Sign-in locks lifted by staff"),
    REFRESH_TOKEN_REUSED: gettext("An application's token was reused and ended"),
  };
  const FACTORS = {
    TOTP: gettext("Authenticator app"),
    RECOVERY_CODES: gettext("Recovery codes"),
    WEBAUTHN: gettext("Security key"),
  };

  class SignedOut extends Error {}
  class Cancelled extends Error {}

  function toLogin() {
    window.location.assign(root.dataset.loginUrl);
  }

  async function call(query, variables) {
    let response;
    try {
      response = await fetch(page.dataset.graphqlUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ query: query, variables: variables || {} }),
        credentials: "same-origin",
      });
    } catch (error) {
      throw new Error(gettext("We could not reach the server. Please try again."));
    }
    const body = await response.json().catch(() => ({}));
    if (!body.data) {
      const first = body.errors && body.errors[0];
      throw new Error(first ? first.message : gettext("The server could not answer just now. Please try again."));
    }
    return body.data;
  }

  // A mutation, its field aliased `result`: asks for a recent sign-in when the
  // API wants one, then runs once more.
  async function mutate(query, variables) {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const result = (await call(query, variables)).result;
      const error = result.errors && result.errors[0];
      if (error && error.code === "NOT_AUTHENTICATED") throw new SignedOut();
      if (!error || error.code !== "REAUTHENTICATION_REQUIRED" || attempt === 1) return result;
      await reauthenticate(error.message);
    }
  }

  // The status and alert lines are always in the page (empty ones are not shown),
  // so that a screen reader hears each new text.
  function say(message) {
    $("failure").textContent = "";
    $("status").textContent = message;
  }

  function fail(message) {
    $("status").textContent = "";
    $("failure").textContent = message;
    $("failure").scrollIntoView({ block: "nearest" });
  }

  function reason(result) {
    const error = result.errors && result.errors[0];
    return error ? error.message : gettext("The server could not answer just now. Please try again.");
  }

  const passkeys = Boolean(window.PublicKeyCredential && PublicKeyCredential.parseCreationOptionsFromJSON
    && PublicKeyCredential.parseRequestOptionsFromJSON);

  // The landing pages' own (users/static/users/api.js, loaded by every page), and the
  // keyboard's focus on the field it is about.
  function fieldError(input, message) {
    window.gqlAuth.fieldError(input, message);
    if (message) input.focus();
  }

  // What a failed step-up answer says: the browser's refusal of a key in the page's words.
  function failureMessage(failure) {
    return failure.name === "NotAllowedError"
      ? gettext("The security key was not used. Try again, or use another way.")
      : failure.message;
  }

  // Runs an action from a button or form: busy while it runs, its failure said.
  async function act(control, action) {
    control.disabled = true;
    try {
      await action();
    } catch (error) {
      if (error instanceof SignedOut) return toLogin();
      if (!(error instanceof Cancelled)) fail(error.message);
    } finally {
      control.disabled = false;
    }
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" }) : "";
  }

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  // One row of a list: what it is, a line of detail, and its buttons.
  function row(title, detail, buttons) {
    const item = element("li");
    const text = element("div");
    text.append(element("strong", title), element("span", detail, "muted detail"));
    item.append(text);
    for (const button of buttons || []) item.append(button);
    return item;
  }

  function button(label, name, handler) {
    const node = element("button", label, "secondary inline");
    node.type = "button";
    node.setAttribute("aria-label", name);
    node.addEventListener("click", () => act(node, handler));
    return node;
  }

  let me = null;

  async function load() {
    const data = await call(ME);
    if (!data.me) throw new SignedOut();
    me = data.me;
    $("current-email").textContent = me.email;
    $("signed-in-as").textContent = me.email;
    showFactors();
    showSessions();
    showApplications();
    showIdentities();
    showHistory();
  }

  // After a change: the lists again, and the keyboard's focus on what was said
  // (the button pressed may be gone with its row).
  async function reload(message) {
    await load();
    if (message) {
      say(message);
      $("status").focus();
    }
  }

  function showFactors() {
    const list = $("factor-list");
    list.replaceChildren();
    for (const factor of me.authenticators) {
      const name = factor.type === "WEBAUTHN" && factor.name ? factor.name : FACTORS[factor.type];
      let detail = interpolate(gettext("Since %s"), [when(factor.createdAt)]);
      if (factor.type === "RECOVERY_CODES") {
        detail = interpolate(ngettext("%s code left", "%s codes left", factor.unusedCodes), [factor.unusedCodes]);
      } else if (factor.passkey) {
        detail += " · " + gettext("signs you in without a password");
      }
      const buttons = factor.type === "RECOVERY_CODES" ? [] : [
        button(gettext("Remove"), interpolate(gettext("Remove %s"), [name]), async () => {
          const result = await mutate(`mutation($id: ID!) { result: removeAuthenticator(id: $id) { success errors { field code message } } }`, { id: factor.id });
          if (!result.success) return fail(reason(result));
          await reload(interpolate(gettext("Removed: %s."), [name]));
        }),
      ];
      list.append(row(name, detail, buttons));
    }
    if (!me.authenticators.length) list.append(row(gettext("Not turned on"), gettext("Your password alone signs you in.")));
    // Codes go with a second factor (the API makes them anew for any account that has one).
    $("regenerate-codes").hidden = !me.authenticators.some((factor) => factor.type !== "RECOVERY_CODES");
  }

  function showSessions() {
    const list = $("session-list");
    list.replaceChildren();
    for (const session of me.sessions) {
      const title = session.userAgent || gettext("Unknown browser");
      const parts = [interpolate(gettext("Since %s"), [when(session.createdAt)])];
      if (session.ipAddress) parts.push(session.ipAddress);
      if (session.current) parts.unshift(gettext("This browser"));
      const buttons = session.current ? [] : [
        button(gettext("End"), interpolate(gettext("End the session of %s"), [title]), async () => {
          const result = await mutate(`mutation($id: ID!) { result: revokeSession(id: $id) { success errors { field code message } } }`, { id: session.id });
          if (!result.success) return fail(reason(result));
          await reload(gettext("The session has been ended."));
        }),
      ];
      const item = row(title, parts.join(" · "), buttons);
      if (session.current) item.classList.add("current");
      list.append(item);
    }
  }

  function showApplications() {
    const list = $("application-list");
    list.replaceChildren();
    $("no-applications").hidden = me.applications.length > 0;
    for (const application of me.applications) {
      const detail = [interpolate(gettext("Since %s"), [when(application.grantedAt)]), application.scopes.join(" ")];
      list.append(row(application.name, detail.join(" · "), [
        button(gettext("Revoke"), interpolate(gettext("Revoke the access of %s"), [application.name]), async () => {
          const result = await mutate(`mutation($id: ID!) { result: revokeApplication(id: $id) { success errors { field code message } } }`, { id: application.id });
          if (!result.success) return fail(reason(result));
          await reload(interpolate(gettext("%s no longer has access."), [application.name]));
        }),
      ]));
    }
  }

  function showIdentities() {
    const list = $("identity-list");
    list.replaceChildren();
    $("no-identities").hidden = me.identities.length > 0;
    for (const identity of me.identities) {
      const name = identity.provider.name;
      const detail = [identity.email, interpolate(gettext("Linked %s"), [when(identity.createdAt)])].filter(Boolean);
      list.append(row(name, detail.join(" · "), [
        button(gettext("Unlink"), interpolate(gettext("Unlink %s"), [name]), async () => {
          const result = await mutate(`mutation($id: ID!) { result: unlinkIdentity(id: $id) { success errors { field code message } } }`, { id: identity.id });
          if (!result.success) return fail(reason(result));
          await reload(interpolate(gettext("%s no longer signs you in."), [name]));
        }),
      ]));
    }
  }

  function showHistory() {
    const body = $("event-list");
    body.replaceChildren();
    for (const event of me.securityEvents) {
      const line = element("tr");
      line.append(element("td", when(event.createdAt)), element("td", EVENTS[event.type] || event.type),
        element("td", [event.ipAddress, event.userAgent].filter(Boolean).join(" · ")));
      body.append(line);
    }
  }

  // Step-up: the dialog offers what the account can answer with. One at a time:
  // a second change asking while it is open waits for the same answer.
  let pendingStepUp = null;

  function reauthenticate(message) {
    if (!pendingStepUp) {
      pendingStepUp = askInDialog(message).finally(() => { pendingStepUp = null; });
    }
    return pendingStepUp;
  }

  function askInDialog(message) {
    const dialog = $("reauth-dialog");
    const password = $("reauth-password");
    const code = $("reauth-code");
    const error = $("reauth-error");
    const submit = $("reauth-submit");
    const passkey = $("reauth-passkey");
    const types = new Set(((me && me.authenticators) || []).map((factor) => factor.type));
    $("reauth-reason").textContent = message;
    $("reauth-code-field").hidden = !(types.has("TOTP") || types.has("RECOVERY_CODES"));
    passkey.hidden = !types.has("WEBAUTHN") || !passkeys;
    password.value = "";
    code.value = "";
    error.textContent = "";
    return new Promise(function (resolve, reject) {
      let settled = false;
      function busy(on) {
        submit.disabled = on;
        passkey.disabled = on;
      }
      function finish(confirmed) {
        if (settled) return;
        settled = true;
        $("reauth-form").removeEventListener("submit", submitted);
        $("reauth-cancel").removeEventListener("click", cancelled);
        passkey.removeEventListener("click", withPasskey);
        dialog.removeEventListener("cancel", cancelled);
        busy(false);
        dialog.close();
        if (confirmed) resolve(); else reject(new Cancelled());
      }
      // One answer at a time; whatever goes wrong is said in the dialog, where the person is.
      async function send(answer) {
        busy(true);
        try {
          const result = (await call(
            `mutation($password: String, $code: String, $credential: JSON) {
              result: reauthenticate(password: $password, code: $code, credential: $credential) { success errors { field code message } } }`,
            answer)).result;
          if (settled) return;
          if (result.success) return finish(true);
          error.textContent = reason(result);
          (answer.code ? code : password).focus();
        } catch (failure) {
          if (!settled) error.textContent = failureMessage(failure);
        } finally {
          if (!settled) busy(false);
        }
      }
      function submitted(event) {
        event.preventDefault();
        if (!password.value && !code.value) {
          error.textContent = gettext("Enter your password or a code.");
          return password.focus();
        }
        send(code.value ? { code: code.value } : { password: password.value });
      }
      function cancelled(event) {
        event.preventDefault();
        finish(false);
        say(gettext("Nothing was changed."));
      }
      async function withPasskey() {
        busy(true);
        try {
          const options = await webauthnOptions("REAUTHENTICATE");
          const credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options.publicKey) });
          await send({ credential: credential.toJSON() });
        } catch (failure) {
          if (!settled) {
            error.textContent = failureMessage(failure);
            busy(false);
          }
        }
      }
      $("reauth-form").addEventListener("submit", submitted);
      $("reauth-cancel").addEventListener("click", cancelled);
      passkey.addEventListener("click", withPasskey);
      dialog.addEventListener("cancel", cancelled);
      dialog.showModal();
      password.focus();
    });
  }

  async function webauthnOptions(purpose) {
    // Not `mutate`: inside the dialog, a refusal is said there, never a second dialog.
    const result = (await call(`mutation($purpose: WebauthnPurpose!) { result: webauthnOptions(purpose: $purpose) { success errors { field code message } options } }`, { purpose: purpose })).result;
    if (!result.success) throw new Error(reason(result));
    return result.options;
  }

  function showCodes(codes) {
    const list = $("code-list");
    list.replaceChildren(...codes.map((code) => element("li", code)));
    $("recovery-codes").hidden = false;
    $("codes-title").focus();
  }

  $("codes-done").addEventListener("click", function () {
    $("code-list").replaceChildren();
    $("recovery-codes").hidden = true;
    $("regenerate-codes").focus();
  });

  $("email-form").addEventListener("submit", function (event) {
    event.preventDefault();
    const input = $("new-email");
    fieldError(input, "");
    if (!input.value.trim()) return fieldError(input, gettext("Enter the new address."));
    act(event.submitter || input, async () => {
      const result = await mutate(`mutation($email: String!) { result: changeEmail(newEmail: $email) { success errors { field code message } } }`, { email: input.value });
      if (!result.success) return fieldError(input, reason(result));
      say(interpolate(gettext("We sent a link to %s. Your address changes once you open it."), [input.value.trim()]));
      input.value = "";
    });
  });

  $("password-form").addEventListener("submit", function (event) {
    event.preventDefault();
    const old = $("old-password");
    const fresh = $("new-password");
    fieldError(old, "");
    fieldError(fresh, "");
    if (!old.value) return fieldError(old, gettext("Enter your current password."));
    if (!fresh.value) return fieldError(fresh, gettext("Enter a new password."));
    act(event.submitter || fresh, async () => {
      const result = await mutate(`mutation($old: String!, $new: String!) { result: changePassword(oldPassword: $old, newPassword: $new) { success errors { field code message } } }`,
        { old: old.value, new: fresh.value });
      if (!result.success) {
        const error = result.errors[0];
        return fieldError(error.field === "newPassword" ? fresh : old, error.message);
      }
      old.value = "";
      fresh.value = "";
      await reload(gettext("Your password has been changed. Your other sessions have ended."));
    });
  });

  $("add-totp").addEventListener("click", function (event) {
    act(event.currentTarget, async () => {
      const result = await mutate(`mutation { result: setupTotp { success errors { field code message } secret qrCodeSvg } }`);
      if (!result.success) return fail(reason(result));
      // As an image: the SVG is only drawn, never run.
      $("totp-qr").src = "data:image/svg+xml;base64," + btoa(unescape(encodeURIComponent(result.qrCodeSvg)));
      $("totp-secret").textContent = result.secret;
      $("totp-setup").hidden = false;
      $("totp-title").focus();
    });
  });

  // The secret leaves the page with its panel.
  function closeTotpSetup() {
    $("totp-setup").hidden = true;
    $("totp-qr").removeAttribute("src");
    $("totp-secret").textContent = "";
  }

  $("totp-cancel").addEventListener("click", function () {
    closeTotpSetup();
    $("add-totp").focus();
  });

  $("totp-form").addEventListener("submit", function (event) {
    event.preventDefault();
    const input = $("totp-code");
    fieldError(input, "");
    if (!input.value.trim()) return fieldError(input, gettext("Enter the code the app shows."));
    act(event.submitter || input, async () => {
      const result = await mutate(`mutation($code: String!) { result: confirmTotp(code: $code) { success errors { field code message } codes } }`, { code: input.value.trim() });
      if (!result.success) return fieldError(input, reason(result));
      input.value = "";
      closeTotpSetup();
      if (result.codes) showCodes(result.codes);  // first: shown once, whatever happens next
      await load();
      say(gettext("Two-step verification is on."));
    });
  });

  $("regenerate-codes").addEventListener("click", function (event) {
    act(event.currentTarget, async () => {
      const result = await mutate(`mutation { result: regenerateRecoveryCodes { success errors { field code message } codes } }`);
      if (!result.success) return fail(reason(result));
      showCodes(result.codes);  // first: shown once, whatever happens next
      say(gettext("New recovery codes: the old ones no longer work."));
      await load();
    });
  });

  if (passkeys) {
    $("passkey-form").hidden = false;
    $("passkey-form").addEventListener("submit", function (event) {
      event.preventDefault();
      const name = $("passkey-name");  // may stay empty: the service names it then
      fieldError(name, "");
      act($("add-passkey"), async () => {
        const options = await webauthnOptions("REGISTER");
        let credential;
        try {
          credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options.publicKey) });
        } catch (error) {
          return fieldError(name, gettext("The passkey was not made. Try again."));
        }
        const result = await mutate(`mutation($name: String!, $credential: JSON!) { result: registerPasskey(name: $name, credential: $credential) { success errors { field code message } } }`,
          { name: name.value.trim(), credential: credential.toJSON() });
        if (!result.success) return fieldError(name, reason(result));
        name.value = "";
        await reload(gettext("The passkey has been added."));
      });
    });
  }

  $("logout-all").addEventListener("click", function (event) {
    act(event.currentTarget, async () => {
      const result = await mutate(`mutation { result: logoutAll { success errors { field code message } } }`);
      if (!result.success) return fail(reason(result));
      toLogin();
    });
  });

  $("sign-out").addEventListener("click", function (event) {
    act(event.currentTarget, async () => {
      const result = await mutate(`mutation { result: logout { success errors { field code message } } }`);
      if (!result.success) return fail(reason(result));
      toLogin();
    });
  });

  $("language-form").addEventListener("submit", function (event) {
    event.preventDefault();
    const choice = $("language-choice");
    act(event.submitter || choice, async () => {
      const result = await mutate(`mutation($language: String!) { result: setLanguage(language: $language) { success errors { field code message } } }`, { language: choice.value });
      if (!result.success) return fail(reason(result));
      window.location.assign(window.location.pathname);  // the page itself in the new language (a ?lang= would outrank it)
    });
  });

  $("delete-form").addEventListener("submit", function (event) {
    event.preventDefault();
    const confirmed = $("delete-confirm");
    fieldError(confirmed, "");
    if (!confirmed.checked) return fieldError(confirmed, gettext("Tick the box to confirm."));
    act(event.submitter || confirmed, async () => {
      const result = await mutate(`mutation { result: deleteAccount { success errors { field code message } } }`);
      if (!result.success) return fail(reason(result));
      root.hidden = true;
      $("deleted").hidden = false;
      $("deleted").querySelector("h1").focus();
    });
  });

  load().then(function () {
    root.dataset.ready = "true";
  }).catch(function (error) {
    if (error instanceof SignedOut) return toLogin();
    fail(error.message);
  });
})();
