// A real OpenID Connect provider for the family view's tests: oidc-provider on 127.0.0.1.
//
//   node provider.mjs --config config.json [--port N]
//
// or with the environment: OIDC_PROVIDER_CONFIG (the JSON itself) and OIDC_PROVIDER_PORT.
// Port 0 (the default) takes a free port; the issuer is http://127.0.0.1:<port>, printed as
// one line "READY <issuer>" on stdout once the provider answers. It stops when stdin closes
// or on SIGTERM / SIGINT.
//
// The configuration:
//   {
//     "client": {"client_id": "...", "client_secret": "...", "redirect_uris": ["http://..."],
//                "post_logout_redirect_uris": ["http://..."]},       (the last one optional)
//     "claim_name": "https://data.gov.dk/model/core/eid/cprNumber",   (or "pid" for ID-porten)
//     "accounts": {"anne": {"name": "Anne Jensen", "<claim_name>": "0101901234"}, ...},
//     "pkce_required": false                    (optional; PKCE S256 is always allowed)
//   }
//
// The national number's claim is released with the scope openid (as ID-porten's pid is),
// "name" (and any other standard profile claim an account has) with the scope profile; both
// land in the ID token (conformIdTokenClaims: false). Login is the library's development page:
// any password, the login name is the account id (an unknown one is refused as no account).
// Consent is given at once for the configured client (loadExistingGrant), so after the login
// the browser goes straight back to the redirect URI.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import process from 'node:process';

import Provider from 'oidc-provider';

function option(name) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : undefined;
}

function readConfig() {
  const path = option('config');
  const text = path ? readFileSync(path, 'utf8') : process.env.OIDC_PROVIDER_CONFIG;
  if (!text) {
    throw new Error('give --config FILE or OIDC_PROVIDER_CONFIG');
  }
  const config = JSON.parse(text);
  for (const key of ['client', 'claim_name', 'accounts']) {
    if (!(key in config)) throw new Error(`the configuration has no ${key}`);
  }
  return config;
}

const PROFILE_CLAIMS = [
  'name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username',
  'birthdate', 'locale',
];

function providerConfiguration(config) {
  const { client, claim_name: claimName, accounts } = config;
  const scopes = ['openid', 'profile'];
  return {
    clients: [{
      client_id: client.client_id,
      client_secret: client.client_secret,
      redirect_uris: client.redirect_uris,
      post_logout_redirect_uris: client.post_logout_redirect_uris ?? [],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: client.token_endpoint_auth_method ?? 'client_secret_basic',
    }],
    scopes,
    claims: {
      openid: ['sub', claimName],
      profile: PROFILE_CLAIMS,
    },
    conformIdTokenClaims: false,
    pkce: { required: () => Boolean(config.pkce_required) },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    async findAccount(ctx, sub) {
      const claims = Object.hasOwn(accounts, sub) ? accounts[sub] : undefined;
      if (claims === undefined) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { ...claims, sub };
        },
      };
    },
    // Consent is given at once: the configured client is the municipality's own.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope(scopes.join(' '));
      grant.addOIDCClaims(['sub', claimName, ...PROFILE_CLAIMS]);
      await grant.save();
      return grant;
    },
    renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = `<!DOCTYPE html><title>oops</title><h1>oops! something went wrong</h1>
        <pre id="error">${JSON.stringify(out).replace(/</g, '&lt;')}</pre>`;
    },
  };
}

function main() {
  const config = readConfig();
  const port = Number(option('port') ?? process.env.OIDC_PROVIDER_PORT ?? 0);
  const server = http.createServer();
  const stop = () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  server.listen(port, '127.0.0.1', () => {
    const issuer = `http://127.0.0.1:${server.address().port}`;
    const provider = new Provider(issuer, providerConfiguration(config));
    provider.on('server_error', (ctx, error) => process.stderr.write(`server_error: ${error.stack}\n`));
    server.on('request', provider.callback());
    process.stdout.write(`READY ${issuer}\n`);
  });
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}

main();
