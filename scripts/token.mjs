#!/usr/bin/env node
// Prints a JWT for the embedded default (or any HS256 setup): signed with AUTH_JWT_SECRET, else with the
// secret the app wrote under DATA_DIR on its first start.
//   npm run token -- --sub alice [--email alice@example.com] [--admin] [--roles a,b] [--ttl 1h] [--jti id]
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';

const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    email: { type: 'string' },
    admin: { type: 'boolean', default: false },
    roles: { type: 'string' },
    ttl: { type: 'string', default: '1h' },
    jti: { type: 'string' },
  },
});
if (!values.sub) {
  console.error(
    'usage: npm run token -- --sub <customer id> [--email e] [--admin] [--roles a,b] [--ttl 1h] [--jti id]',
  );
  process.exit(2);
}
let secret = process.env.AUTH_JWT_SECRET;
if (!secret) {
  const file = join(resolve(process.env.DATA_DIR ?? '.data'), 'auth', 'jwt-secret');
  try {
    secret = readFileSync(file, 'utf8').trim();
  } catch {
    console.error(
      `no AUTH_JWT_SECRET and no ${file}: start the app once (it writes the secret), or set AUTH_JWT_SECRET`,
    );
    process.exit(1);
  }
}
const roles = [...(values.roles ? values.roles.split(',') : []), ...(values.admin ? ['admin'] : [])];
const claims = { ...(values.email ? { email: values.email } : {}), ...(roles.length ? { roles } : {}) };
let jwt = new SignJWT(claims)
  .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
  .setSubject(values.sub)
  .setIssuedAt()
  .setExpirationTime(values.ttl);
if (process.env.AUTH_ISSUER) jwt = jwt.setIssuer(process.env.AUTH_ISSUER);
if (process.env.AUTH_AUDIENCE) jwt = jwt.setAudience(process.env.AUTH_AUDIENCE);
if (values.jti) jwt = jwt.setJti(values.jti);
process.stdout.write(`${await jwt.sign(Buffer.from(secret))}\n`);
