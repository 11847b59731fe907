// Bundles spa/app.js for the browser. The service and the client id are fixed
// at build time (AUTHORITY, CLIENT_ID), never read from the page's address.
import { build } from "esbuild";

const authority = process.env.AUTHORITY || "http://localhost:8000";
const clientId = process.env.CLIENT_ID || "";

await build({
  entryPoints: ["spa/app.js"],
  bundle: true,
  format: "esm",
  target: "es2022",
  outfile: "spa/public/app.js",
  define: { AUTHORITY: JSON.stringify(authority), CLIENT_ID: JSON.stringify(clientId) },
});
console.log(`spa/public/app.js built for ${authority}`);
