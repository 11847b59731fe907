// A single-page app on its own origin, on oidc-client-ts as its documentation
// sets it up: the code flow with PKCE, userinfo, renewal by refresh token,
// revocation and RP-initiated sign-out, all from the browser (the service's
// token, userinfo and revocation endpoints answer CORS for its registered origin).
import { UserManager, WebStorageStateStore } from "oidc-client-ts";

const manager = new UserManager({
  authority: AUTHORITY,
  client_id: CLIENT_ID,
  redirect_uri: `${location.origin}/`,
  post_logout_redirect_uri: `${location.origin}/`,
  scope: "openid email",
  response_type: "code",
  loadUserInfo: true,
  automaticSilentRenew: false,
  userStore: new WebStorageStateStore({ store: window.sessionStorage }),
});

const state = { signedIn: false, events: [], errors: [] };

function show() {
  document.getElementById("who").textContent = state.signedIn ? `Signed in as ${state.email}` : "Not signed in.";
  document.getElementById("state").textContent = JSON.stringify(state);
}

function record(user) {
  state.signedIn = Boolean(user && !user.expired);
  state.email = user?.profile.email;
  state.sub = user?.profile.sub;
  state.hasRefreshToken = Boolean(user?.refresh_token);
}

async function step(name, action) {
  try {
    await action();
    state.events.push(name);
  } catch (error) {
    state.errors.push(`${name}: ${error.message || error}`);
  }
  show();
}

document.getElementById("sign-in").onclick = () => manager.signinRedirect();
document.getElementById("renew").onclick = () =>
  step("renewed", async () => {
    const before = state.accessToken;
    const user = await manager.signinSilent(); // the refresh token, at the token endpoint
    record(user);
    if (user.access_token === before) throw new Error("the same access token");
    state.accessToken = user.access_token;
  });
document.getElementById("revoke").onclick = () =>
  step("revoked", async () => {
    const { refresh_token: revoked } = await manager.getUser();
    await manager.revokeTokens(["access_token", "refresh_token"]);
    // The revoked refresh token, presented again from the page: the service refuses it.
    const metadata = await manager.metadataService.getMetadata();
    const answer = await fetch(metadata.token_endpoint, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: revoked, client_id: CLIENT_ID }),
    });
    state.afterRevocation = (await answer.json()).error;
  });
document.getElementById("sign-out").onclick = () => manager.signoutRedirect();

await step("loaded", async () => {
  const query = new URLSearchParams(location.search);
  if (query.has("code") && query.has("state")) {
    const user = await manager.signinRedirectCallback();
    history.replaceState(null, "", location.pathname);
    state.events.push("signed-in");
    state.accessToken = user.access_token;
  }
  const user = await manager.getUser();
  record(user);
  if (user) state.accessToken = user.access_token;
});
