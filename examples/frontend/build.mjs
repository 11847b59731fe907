// Bundles src/app.js for the browser. The service's address is fixed at build
// time (API_URL), never read from the page's address: a link must not be able to
// point the app, and the passwords typed into it, at another server.
import { build } from "esbuild";

const apiUrl = process.env.API_URL || "http://127.0.0.1:8000/graphql/";

await build({
  entryPoints: ["src/app.js"],
  bundle: true,
  format: "esm",
  target: "es2020",
  outfile: "public/app.js",
  define: { API_URL: JSON.stringify(apiUrl) },
});
console.log(`public/app.js built for ${apiUrl}`);
