// A browser app on its own origin that signs people in through gql-auth, with
// urql. Adapt it: point API_URL at your service, list this app's origin in the
// service's CORS_ALLOWED_ORIGINS, and pick a mode (README "Frontend apps").
import { Client, fetchExchange, gql } from "@urql/core";

/* global API_URL */ // the service's address, fixed when the app is built (build.mjs)

const REGISTER = gql`
  mutation Register($email: String!, $password: String!) {
    register(email: $email, password: $password) { success errors { field code message } }
  }
`;
const LOGIN = gql`
  mutation Login($email: String!, $password: String!, $cookie: Boolean) {
    login(email: $email, password: $password, cookie: $cookie) {
      success token expiresAt errors { field code message } user { email }
    }
  }
`;
const ME = gql`query Me { me { id email emailVerified } }`;
const LOGOUT = gql`mutation Logout { logout { success errors { code message } } }`;

// Token mode: the token lives in this variable only, never in localStorage,
// where any script on the page (or an XSS) could read it.
let token = null;

const client = new Client({
  url: API_URL,
  exchanges: [fetchExchange],
  requestPolicy: "network-only",
  // The service answers POST only (and its cookie authenticates POSTs only).
  preferGetMethod: false,
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

async function run(document, variables = {}) {
  const result = await client.mutation(document, variables).toPromise();
  if (result.error) {
    // A network error here is most often CORS: this origin is not listed.
    throw new Error(result.error.networkError ? "Could not reach the service" : result.error.message);
  }
  return result.data;
}

$("#api").textContent = API_URL;

$("#account").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const email = form.get("email");
  const password = form.get("password");
  try {
    if (event.submitter.value === "register") {
      const { register } = await run(REGISTER, { email, password });
      show(register.success ? "Check your inbox for the verification link." : "Not registered.", register);
      return;
    }
    const cookie = form.get("mode") === "cookie";
    const { login } = await run(LOGIN, { email, password, cookie });
    if (login.success) {
      token = login.token; // null in cookie mode: the cookie holds it
      show(`Logged in as ${login.user.email} (${cookie ? "cookie" : "token"} mode).`, login);
    } else {
      show("Not logged in.", login);
    }
  } catch (error) {
    show(error.message);
  }
});

$("#me").addEventListener("click", async () => {
  try {
    const result = await client.query(ME, {}).toPromise();
    if (result.error) throw new Error("Could not reach the service");
    show(result.data.me ? `You are ${result.data.me.email}.` : "Nobody is logged in.", result.data);
  } catch (error) {
    show(error.message);
  }
});

$("#logout").addEventListener("click", async () => {
  try {
    const { logout } = await run(LOGOUT);
    token = null;
    show(logout.success ? "Logged out." : "Was not logged in.", logout);
  } catch (error) {
    show(error.message);
  }
});
