import { createHash } from 'node:crypto';

/**
 * SHA-256 digests of every secret-like value written in this repository (test credentials, examples in
 * the docs, compose files): a production boot refuses them. `test/app/published-secrets.spec.ts` scans the
 * repository and fails when a value appears that is not listed here.
 */
const PUBLISHED = new Set<string>([
  'ca8d40e6ce4716b552f1c69863335b502f2afb57ffae171d6675fd56d91ca5b2',
  '282b92eff722e716cdbb08c3ea955873aed09a7917595d971654f19157c60d30',
  '5cc747455079163fd1dbf02289ea897c41b370eac4bd37e204dc58cc9a28dcde',
  'c786614800ced71a8e6169f0fd834483dc3fa8fb0db8b08d8abd828c9678e4f3',
  '3503f3d83e9ffd7959523de509522fb4911ae4372b164e1a0baf3c3ef0aa7599',
  'c0854d2dd76208de910b6435169bc3e17aa75c4704b4894601846fea71109b61',
  '96ad2ccd81462a766178ae09a71df55f548a3f66da11606f9cdf40b391e22dd0',
  '16e81db486302936df4725a5595ae4aa623822d28c2260365d8d677e96b2a4ac',
  // the default ADMIN_TOKEN docker-compose.yml once carried
  'bebb20c29c1061eba4b743fc8c3750e284cce4e69c1a0fb256c22f0eb2099113',
  'd3d34b661cc229b510532c4d4799641d7ef5f754cdd203849b9e1e619dd54b0f',
]);

/** True when `value` is written somewhere in this repository. */
export function isPublishedSecret(value: string): boolean {
  return PUBLISHED.has(createHash('sha256').update(value).digest('hex'));
}
