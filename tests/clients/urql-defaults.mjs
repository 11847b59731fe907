// urql with its defaults (queries by GET within the URL limit, mutations by POST),
// against the service at argv[2] with the token in GQL_AUTH_TOKEN. Prints one JSON
// object: what it got, and the method of each request it made.
import { Client, fetchExchange, gql } from "@urql/core";

const [url] = process.argv.slice(2);
const seen = [];
const recording = (input, init) => {
  seen.push({ method: (init && init.method) || "GET", url: String(input) });
  return fetch(input, init);
};

const client = new Client({
  url,
  exchanges: [fetchExchange],
  fetch: recording,
  fetchOptions: { headers: { Authorization: `Bearer ${process.env.GQL_AUTH_TOKEN}` } },
});

const me = await client.query(gql`query Me { me { email language } }`, {}).toPromise();
const set = await client
  .mutation(gql`mutation SetLanguage($l: String!) { setLanguage(language: $l) { success } }`, { l: "fr" })
  .toPromise();
const again = await client.query(gql`query Me { me { email language } }`, {}, { requestPolicy: "network-only" }).toPromise();
console.log(JSON.stringify({
  me: me.data, meError: me.error && me.error.message,
  set: set.data, setError: set.error && set.error.message,
  again: again.data,
  methods: seen.map((request) => request.method),
}));
