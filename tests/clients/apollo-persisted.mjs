// Apollo Client with createPersistedQueryLink (automatic persisted queries, hashed
// queries by GET) against the service at argv[2], the token in GQL_AUTH_TOKEN.
// Prints one JSON object: what it got, and each request it made.
import { createHash } from "node:crypto";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries";

const [url] = process.argv.slice(2);
const seen = [];
const recording = async (input, init) => {
  const body = init && init.body ? JSON.parse(init.body) : null;
  seen.push({ method: (init && init.method) || "GET", sentQuery: Boolean(body && body.query) || String(input).includes("query=") });
  return fetch(input, init);
};

const client = new ApolloClient({
  cache: new InMemoryCache(),
  link: createPersistedQueryLink({
    sha256: (text) => createHash("sha256").update(text).digest("hex"),
    useGETForHashedQueries: true,
  }).concat(new HttpLink({ uri: url, fetch: recording, headers: { Authorization: `Bearer ${process.env.GQL_AUTH_TOKEN}` } })),
});

const ME = gql`query Me { me { email } }`;
const first = await client.query({ query: ME, fetchPolicy: "network-only" });
const second = await client.query({ query: ME, fetchPolicy: "network-only" });
console.log(JSON.stringify({ first: first.data, second: second.data, requests: seen }));
