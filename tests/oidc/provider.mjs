// The identity provider of the tests: oidc-provider on 127.0.0.1, its accounts read from a JSON file at each
// sign-in, so a test can change a user's groups between two logins. Never for anything but the tests.
//   node provider.mjs PORT ACCOUNTS_FILE CLIENTS_JSON [ID_TOKEN_TTL_SECONDS]
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const [port, accountsFile, clientsJson, ttl] = process.argv.slice(2);

const configuration = {
  clients: JSON.parse(clientsJson),
  async findAccount(ctx, id) {
    const accounts = JSON.parse(readFileSync(accountsFile, 'utf8'));
    if (!accounts[id]) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...accounts[id] }; } };
  },
  // The groups come with every sign-in, as Entra ID sends them once the app registration asks for them.
  claims: { openid: ['sub', 'groups'], profile: ['name', 'preferred_username'], email: ['email'] },
  scopes: ['openid', 'profile', 'email'],
  // The claims in the ID token itself, as Entra ID and AD FS put the groups there.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['besvar-test-only'] },
  ttl: { IdToken: Number(ttl || 3600) },
};

const provider = new Provider(`http://127.0.0.1:${port}`, configuration);
provider.listen(Number(port), '127.0.0.1', () => { console.log('ready'); });
