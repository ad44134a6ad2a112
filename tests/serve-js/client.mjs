// A program that uses managed identity the way applications do, run by the `msal serve` tests as
// `msal serve -- node client.mjs RESOURCE SECRET_FILE CLIENT…`, the JavaScript twin of
// tests/cli/serve_client.py. CLIENT is `azure-mi` (ManagedIdentityCredential) or
// `azure-default` (DefaultAzureCredential). Prints {"results": {CLIENT: {ok, sha256 | type,
// message}}}: digests of the tokens, never the tokens; the secret it was given goes to
// SECRET_FILE for the test to look for in msal's output.
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";

const [resource, secretFile, ...clients] = process.argv.slice(2);
writeFileSync(secretFile, process.env.IDENTITY_HEADER ?? "");
const results = {};
for (const client of clients) {
  try {
    let credential;
    if (client === "azure-mi") credential = new ManagedIdentityCredential();
    else if (client === "azure-default") credential = new DefaultAzureCredential();
    else throw new Error(`unknown client ${client}`);
    const token = await credential.getToken(`${resource}/.default`);
    results[client] = { ok: true, sha256: createHash("sha256").update(token.token).digest("hex") };
  } catch (e) {
    results[client] = { ok: false, type: e.name, message: String(e.message) };
  }
}
console.log(JSON.stringify({ results }));
