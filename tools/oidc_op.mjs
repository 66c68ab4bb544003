// A real OpenID Provider (npm oidc-provider) for Följa's sign-in tests and local development.
// Usage: node tools/oidc_op.mjs '{"port":0,"clientId":"folja","clientSecret":"...","redirectUri":"...",
//   "postLogoutRedirectUri":"...","acrValues":["..."],"civicClaim":"https://id.oidc.se/claim/personalIdentityNumber",
//   "extraClaims":{"student":{"eduPersonAffiliation":["member","student"]}},"userinfoOnlyClaims":["..."]}'
// Prints one JSON line {"issuer": "..."} when listening on 127.0.0.1.
// The interaction page stands in for the e-ID: POST /interaction/:uid with civic, given_name, family_name
// and acr (defaults to the acr asked for) signs that person in. With `claims=<name>` the account also
// carries that entry of "extraClaims", values as given (a string or an array, as real IdPs send
// eduPersonAffiliation); an unknown name is an error. Claims in "userinfoOnlyClaims" are left out of the
// ID token and released by the userinfo endpoint only, as many providers do.
import http from "node:http";
import Provider from "oidc-provider";

const options = JSON.parse(process.argv[2] || "{}");
const accounts = new Map();
const civicClaim = options.civicClaim || "https://id.oidc.se/claim/personalIdentityNumber";
const extraClaims = options.extraClaims || {};
const userinfoOnly = new Set(options.userinfoOnlyClaims || []);
const extraClaimNames = [...new Set(Object.values(extraClaims).flatMap((claims) => Object.keys(claims)))];

const server = http.createServer();
await new Promise((resolve) => server.listen(options.port || 0, "127.0.0.1", resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: options.clientId || "folja",
    client_secret: options.clientSecret || "folja-test-secret",
    redirect_uris: [options.redirectUri],
    post_logout_redirect_uris: options.postLogoutRedirectUri ? [options.postLogoutRedirectUri] : [],
    grant_types: ["authorization_code"],
    response_types: ["code"],
  }],
  acrValues: options.acrValues || [],
  claims: { openid: ["sub", "acr", "sid"], profile: ["given_name", "family_name", civicClaim, ...extraClaimNames] },
  conformIdTokenClaims: false, // put the civic number in the ID token, as Swedish brokers do
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ["folja-test-cookie-key"] },
  findAccount: async (ctx, id) => {
    const account = accounts.get(id);
    if (!account) return undefined;
    return {
      accountId: id,
      claims: async (use) => Object.fromEntries(
        Object.entries({ sub: id, ...account }).filter(([name]) => use !== "id_token" || !userinfoOnly.has(name)),
      ),
    };
  },
  renderError: async (ctx, out) => { ctx.type = "json"; ctx.body = out; },
});
provider.proxy = false;

async function readForm(req) {
  let body = "";
  for await (const chunk of req) body += chunk;
  return Object.fromEntries(new URLSearchParams(body));
}

const callback = provider.callback();
server.on("request", async (req, res) => {
  const match = req.url.match(/^\/interaction\/([^/?]+)/);
  if (!match) return callback(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    if (req.method === "GET") {
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ uid: details.uid, prompt: details.prompt.name, params: details.params }));
      return;
    }
    const form = await readForm(req);
    if (form.deny) {
      await provider.interactionFinished(req, res, { error: "access_denied", error_description: "cancelled" });
      return;
    }
    if (form.claims && !Object.hasOwn(extraClaims, form.claims)) throw new Error(`no extraClaims "${form.claims}"`);
    const accountId = form.claims ? `acct-${form.civic}-${form.claims}` : `acct-${form.civic}`;
    accounts.set(accountId, {
      given_name: form.given_name || "Test",
      family_name: form.family_name || "Testsson",
      ...(form.claims ? extraClaims[form.claims] : {}),
      [civicClaim]: form.civic,
    });
    const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
    grant.addOIDCScope("openid profile");
    const grantId = await grant.save();
    const acr = form.acr || details.params.acr_values || undefined;
    await provider.interactionFinished(req, res, { login: { accountId, acr }, consent: { grantId } },
      { mergeWithLastSubmission: false });
  } catch (error) {
    res.statusCode = 400;
    res.end(String(error));
  }
});

process.stdout.write(JSON.stringify({ issuer }) + "\n");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
