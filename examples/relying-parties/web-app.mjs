// A server-side web application signing people in through gql-auth with
// openid-client (panva), as docs/applications.md's quickstart runs it:
//
//   INSECURE=1 ISSUER=http://localhost:8000 CLIENT_ID=… CLIENT_SECRET=… \
//     AUDIENCE=http://127.0.0.1:3000/api PORT=3000 node web-app.mjs
//
// Registered as a confidential client with the redirect URI
// http://127.0.0.1:$PORT/callback, the back-channel logout URI
// http://127.0.0.1:$PORT/backchannel-logout and the audience $AUDIENCE.
// /login starts the code flow with PKCE; /callback redeems the code, checks the
// ID token, calls userinfo, refreshes, checks the access token as a resource
// server would (oauth4webapi, RFC 9068) and revokes; /backchannel-logout checks
// a logout token (jose) and ends the local session it names; /state shows what
// happened, as JSON (the suite reads it).
import http from "node:http";
import * as client from "openid-client";
import * as oauth from "oauth4webapi";
import { createRemoteJWKSet, jwtVerify } from "jose";

const { ISSUER, CLIENT_ID, CLIENT_SECRET } = process.env;
const PORT = Number(process.env.PORT || 3000);
const BASE = `http://127.0.0.1:${PORT}`;
// openid-client refuses an http:// issuer; development on localhost says so here.
// Behind TLS (production), leave INSECURE unset.
const insecure = process.env.INSECURE === "1";
const execute = insecure ? [client.allowInsecureRequests] : [];

const config = await client.discovery(new URL(ISSUER), CLIENT_ID, CLIENT_SECRET, undefined, { execute });
const metadata = config.serverMetadata();
const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri));
const state = { sessions: {}, logouts: [], errors: [] };
const pending = new Map(); // state -> { verifier, nonce }

async function login(res) {
  const verifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const csrf = client.randomState();
  pending.set(csrf, { verifier, nonce });
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: `${BASE}/callback`,
    scope: "openid email",
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state: csrf,
    nonce,
  });
  res.writeHead(302, { Location: url.href }).end();
}

async function callback(req, res) {
  const current = new URL(req.url, BASE);
  const expected = pending.get(current.searchParams.get("state"));
  if (!expected) throw new Error("unknown state");
  pending.delete(current.searchParams.get("state"));
  const tokens = await client.authorizationCodeGrant(config, current, {
    pkceCodeVerifier: expected.verifier,
    expectedNonce: expected.nonce,
    expectedState: current.searchParams.get("state"),
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  const api = await checkAccessToken(refreshed.access_token);
  await client.tokenRevocation(config, refreshed.refresh_token, { token_type_hint: "refresh_token" });
  let afterRevocation;
  try {
    await client.refreshTokenGrant(config, refreshed.refresh_token);
    afterRevocation = "refreshed";
  } catch (error) {
    afterRevocation = error.error || error.code || String(error);
  }
  state.sessions[claims.sid] = {
    sub: claims.sub,
    email: info.email,
    amr: claims.amr,
    refreshedSub: refreshed.claims()?.sub,
    api,
    afterRevocation,
    active: true,
  };
  res.writeHead(200, { "Content-Type": "text/plain" }).end(`Signed in as ${info.email}`);
}

// A resource server's check of an RFC 9068 access token (typ at+jwt, iss, exp, signature).
async function checkAccessToken(accessToken) {
  const as = await oauth.processDiscoveryResponse(
    new URL(ISSUER),
    await oauth.discoveryRequest(new URL(ISSUER), { [oauth.allowInsecureRequests]: insecure }),
  );
  const request = new Request(`${BASE}/api`, { headers: { Authorization: `Bearer ${accessToken}` } });
  // No resource was named, so aud is the client's registered audience (docs/applications.md).
  const claims = await oauth.validateJwtAccessToken(as, request, process.env.AUDIENCE, {
    [oauth.allowInsecureRequests]: insecure,
  });
  return { sub: claims.sub, client_id: claims.client_id, scope: claims.scope };
}

// OpenID Connect Back-Channel Logout 1.0, section 2.6: the checks a receiver makes.
async function backchannelLogout(req, res) {
  const body = new URLSearchParams(await text(req));
  try {
    const { payload } = await jwtVerify(body.get("logout_token"), jwks, {
      issuer: metadata.issuer,
      audience: CLIENT_ID,
      typ: "logout+jwt",
      algorithms: ["RS256"],
      maxTokenAge: "2m",
    });
    const events = payload.events || {};
    if (!("http://schemas.openid.net/event/backchannel-logout" in events)) throw new Error("no logout event");
    if ("nonce" in payload) throw new Error("a logout token carries no nonce");
    if (!payload.sub && !payload.sid) throw new Error("neither sub nor sid");
    for (const [sid, session] of Object.entries(state.sessions)) {
      if (payload.sid ? sid === payload.sid : session.sub === payload.sub) session.active = false;
    }
    state.logouts.push({ sub: payload.sub, sid: payload.sid });
    res.writeHead(200, { "Cache-Control": "no-store" }).end();
  } catch (error) {
    state.errors.push(String(error));
    res.writeHead(400).end();
  }
}

function text(req) {
  return new Promise((resolve, reject) => {
    let data = "";
    req.on("data", (chunk) => (data += chunk));
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });
}

http
  .createServer(async (req, res) => {
    try {
      const path = new URL(req.url, BASE).pathname;
      if (path === "/login") return await login(res);
      if (path === "/callback") return await callback(req, res);
      if (path === "/backchannel-logout" && req.method === "POST") return await backchannelLogout(req, res);
      if (path === "/state") return res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(state));
      res.writeHead(404).end();
    } catch (error) {
      state.errors.push(String(error?.cause || error));
      res.writeHead(500, { "Content-Type": "text/plain" }).end(String(error));
    }
  })
  .listen(PORT, "127.0.0.1", () => console.log(`listening on ${BASE}`));
