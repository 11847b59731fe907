// A resource server in Node: check gql-auth's access tokens offline with the
// `jose` package (docs/applications.md, "Sign in to other applications").
//
//     ISSUER=http://localhost:8000 node verify_jose.mjs <access token>
import { createRemoteJWKSet, jwtVerify } from "jose";

const issuer = process.env.ISSUER || "http://localhost:8000";
// Fetches the published keys when it meets a key id it has not seen, and caches them.
const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));

export async function verify(token) {
  const { payload } = await jwtVerify(token, jwks, {
    issuer,
    algorithms: ["RS256"],
    typ: "at+jwt", // RFC 9068: an ID token is signed with the same key, but it is not a credential
    requiredClaims: ["exp", "iat", "client_id"],
  });
  if (payload.token_use !== "access") throw new Error("not an access token");
  return payload;
}

try {
  console.log(JSON.stringify(await verify(process.argv[2])));
} catch (error) {
  console.error(`refused: ${error.code || error.message}`);
  process.exit(1);
}
