// A browser app on its own origin that signs people in through gql-auth, with
// urql. Adapt it: point API_URL at your service, list this app's origin in the
// service's CORS_ALLOWED_ORIGINS, and pick a mode (docs/frontends.md, "Frontend apps").
import { Client, fetchExchange } from "@urql/core";
import { persistedExchange } from "@urql/exchange-persisted";

// The documents, typed by GraphQL Code Generator's client preset (codegen.yml): `npm run
// build` writes src/gql/, and the manifest of them all (src/gql/persisted-documents.json)
// that a service may trust alone (GRAPHQL_TRUSTED_DOCUMENTS).
import { graphql } from "./gql/index.ts";

/* global API_URL */ // the service's address, fixed when the app is built (build.mjs)

const REGISTER = graphql(`
  mutation Register($email: String!, $password: String!) {
    register(email: $email, password: $password) { success errors { field code message } }
  }
`);
const LOGIN = graphql(`
  mutation Login($email: String!, $password: String!, $cookie: Boolean) {
    login(email: $email, password: $password, cookie: $cookie) {
      success token expiresAt errors { field code message } user { email } mfaToken mfaMethods
    }
  }
`);
// Second factors and passkeys (docs/frontends.md, "Second factors and passkeys").
const VERIFY_MFA = graphql(`
  mutation VerifyMfa($mfaToken: String!, $code: String, $credential: JSON, $cookie: Boolean) {
    verifyMfa(mfaToken: $mfaToken, code: $code, credential: $credential, cookie: $cookie) {
      success token expiresAt errors { field code message } user { email }
    }
  }
`);
const WEBAUTHN_OPTIONS = graphql(`
  mutation WebauthnOptions($purpose: WebauthnPurpose!, $mfaToken: String) {
    webauthnOptions(purpose: $purpose, mfaToken: $mfaToken) { success options errors { field code message } }
  }
`);
const LOGIN_WITH_PASSKEY = graphql(`
  mutation LoginWithPasskey($credential: JSON!, $cookie: Boolean) {
    loginWithPasskey(credential: $credential, cookie: $cookie) {
      success token expiresAt errors { field code message } user { email }
    }
  }
`);
const REGISTER_PASSKEY = graphql(`
  mutation RegisterPasskey($name: String!, $credential: JSON!) {
    registerPasskey(name: $name, credential: $credential) { success errors { field code message } }
  }
`);
const SETUP_TOTP = graphql(`
  mutation SetupTotp { setupTotp { success secret otpauthUri qrCodeSvg errors { field code message } } }
`);
const CONFIRM_TOTP = graphql(`
  mutation ConfirmTotp($code: String!) { confirmTotp(code: $code) { success codes errors { field code message } } }
`);
const REAUTHENTICATE = graphql(`
  mutation Reauthenticate($password: String) { reauthenticate(password: $password) { success errors { field code message } } }
`);
const FACTORS = graphql(`query Factors { me { authenticators { id type name passkey lastUsedAt unusedCodes } } }`);
const ME = graphql(`query Me { me { id email emailVerified } }`);
const LOGOUT = graphql(`mutation Logout { logout { success errors { code message } } }`);

// Token mode: the token lives in this variable only, never in localStorage,
// where any script on the page (or an XSS) could read it.
let token = null;
// Between a login's password and its second factor: single use, five minutes.
let mfaToken = null;

const client = new Client({
  url: API_URL,
  exchanges: [
    // Each document by its hash alone, mutations too: the service trusts this
    // build's manifest and runs no other text (run it with GRAPHQL_TRUSTED_DOCUMENTS,
    // README.md). By POST: the cookie (cookie mode) authenticates POSTs only.
    persistedExchange({
      enforcePersistedQueries: true,
      enableForMutation: true,
      preferGetForPersistedQueries: false,
      generateHash: (_, document) => Promise.resolve(document.__meta__.hash),
    }),
    fetchExchange,
  ],
  requestPolicy: "network-only",
  fetchOptions: () => ({
    // Cookie mode: the browser sends the HttpOnly cookie itself, cross-origin too.
    credentials: "include",
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  }),
});

const $ = (selector) => document.querySelector(selector);

function show(status, payload) {
  $("#status").textContent = status;
  $("#output").textContent = payload === undefined ? "" : JSON.stringify(payload, null, 2);
}

async function query(document) {
  const result = await client.query(document, {}).toPromise();
  if (result.error) throw new Error("Could not reach the service");
  return result.data;
}

async function run(document, variables = {}) {
  const result = await client.mutation(document, variables).toPromise();
  if (result.error) {
    // A network error here is most often CORS: this origin is not listed.
    throw new Error(result.error.networkError ? "Could not reach the service" : result.error.message);
  }
  return result.data;
}

$("#api").textContent = API_URL;

$("#account").addEventListener(
  "submit",
  handle(async (event) => {
    const form = new FormData(event.target);
    const email = form.get("email");
    const password = form.get("password");
    if (event.submitter.value === "register") {
      const { register } = await run(REGISTER, { email, password });
      show(register.success ? "Check your inbox for the verification link." : "Not registered.", register);
      return;
    }
    const { login } = await run(LOGIN, { email, password, cookie: cookieMode() });
    if (login.mfaToken) {
      // The password was right; the session comes with the second factor.
      mfaToken = login.mfaToken;
      $("#second-step").hidden = false;
      $("#mfa-passkey").hidden = !login.mfaMethods.includes("WEBAUTHN");
      show(`Second step: ${login.mfaMethods.join(", ")}.`, login);
      return;
    }
    loggedIn(login);
  }),
);

$("#me").addEventListener(
  "click",
  handle(async () => {
    const data = await query(ME);
    show(data.me ? `You are ${data.me.email}.` : "Nobody is logged in.", data);
  }),
);

$("#logout").addEventListener(
  "click",
  handle(async () => {
    const { logout } = await run(LOGOUT);
    token = null;
    show(logout.success ? "Logged out." : "Was not logged in.", logout);
  }),
);

const cookieMode = () => new FormData($("#account")).get("mode") === "cookie";

function loggedIn(result) {
  if (!result.success) {
    show("Not logged in.", result);
    return;
  }
  token = result.token; // null in cookie mode: the cookie holds it
  mfaToken = null;
  $("#second-step").hidden = true;
  show(`Logged in as ${result.user.email} (${cookieMode() ? "cookie" : "token"} mode).`, result);
}

// WebAuthn: the service's options and the browser's answers travel as JSON
// (WebAuthn Level 3's parse...FromJSON and toJSON, in current browsers).
async function webauthnOptions(purpose, extra = {}) {
  const { webauthnOptions: result } = await run(WEBAUTHN_OPTIONS, { purpose, ...extra });
  if (!result.success) throw new Error(result.errors.map((e) => e.message).join(" "));
  return result.options.publicKey;
}

async function passkeyAnswer(purpose, extra) {
  const options = PublicKeyCredential.parseRequestOptionsFromJSON(await webauthnOptions(purpose, extra));
  const credential = await navigator.credentials.get({ publicKey: options });
  return credential.toJSON();
}

function handle(action) {
  return async (event) => {
    event.preventDefault();
    try {
      await action(event);
    } catch (error) {
      show(error.message);
    }
  };
}

$("#second-step").addEventListener(
  "submit",
  handle(async (event) => {
    const code = new FormData(event.target).get("code");
    const { verifyMfa } = await run(VERIFY_MFA, { mfaToken, code, cookie: cookieMode() });
    loggedIn(verifyMfa);
  }),
);

$("#mfa-passkey").addEventListener(
  "click",
  handle(async () => {
    const credential = await passkeyAnswer("MFA", { mfaToken });
    const { verifyMfa } = await run(VERIFY_MFA, { mfaToken, credential, cookie: cookieMode() });
    loggedIn(verifyMfa);
  }),
);

$("#passkey-login").addEventListener(
  "click",
  handle(async () => {
    const credential = await passkeyAnswer("LOGIN");
    const { loginWithPasskey } = await run(LOGIN_WITH_PASSKEY, { credential, cookie: cookieMode() });
    loggedIn(loginWithPasskey);
  }),
);

$("#reauthenticate").addEventListener(
  "submit",
  handle(async (event) => {
    const password = new FormData(event.target).get("password");
    const { reauthenticate } = await run(REAUTHENTICATE, { password });
    show(reauthenticate.success ? "Confirmed: you may change your factors now." : "Not confirmed.", reauthenticate);
  }),
);

$("#add-passkey").addEventListener(
  "click",
  handle(async () => {
    const options = PublicKeyCredential.parseCreationOptionsFromJSON(await webauthnOptions("REGISTER"));
    const credential = await navigator.credentials.create({ publicKey: options });
    const name = `Passkey added on ${new Date().toLocaleDateString()}`;
    const { registerPasskey } = await run(REGISTER_PASSKEY, { name, credential: credential.toJSON() });
    show(registerPasskey.success ? "Passkey added." : "Passkey not added.", registerPasskey);
  }),
);

$("#setup-totp").addEventListener(
  "click",
  handle(async () => {
    const { setupTotp } = await run(SETUP_TOTP);
    if (!setupTotp.success) {
      show("Cannot set up an authenticator app now.", setupTotp);
      return;
    }
    // An <img>, not innerHTML: the SVG is shown, never run.
    $("#qr").src = `data:image/svg+xml;base64,${btoa(setupTotp.qrCodeSvg)}`;
    $("#totp-secret").textContent = setupTotp.secret;
    $("#confirm-totp").hidden = false;
    show("Scan the QR code with your authenticator app, then type the code it shows.");
  }),
);

$("#confirm-totp").addEventListener(
  "submit",
  handle(async (event) => {
    const code = new FormData(event.target).get("code");
    const { confirmTotp } = await run(CONFIRM_TOTP, { code });
    if (confirmTotp.success) $("#confirm-totp").hidden = true;
    show(
      confirmTotp.success ? "Authenticator app active. Keep these recovery codes somewhere safe:" : "Not activated.",
      confirmTotp.codes ?? confirmTotp,
    );
  }),
);

$("#factors").addEventListener(
  "click",
  handle(async () => {
    const data = await query(FACTORS);
    show(data.me ? "Your factors:" : "Nobody is logged in.", data.me?.authenticators);
  }),
);
