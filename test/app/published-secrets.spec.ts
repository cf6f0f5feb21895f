// The production boot refuses secrets written in this repository: this spec finds every secret-like value
// in the tracked files and checks that the list the boot uses (src/config/published-secrets.ts) knows it.
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPublishedSecret } from '../../src/config/published-secrets.js';
import { repoRoot } from '../support/tmp.js';

/** `NAME = 'value'` in code, `NAME: ${NAME:-value}` in compose files, `NAME=value` in docs and scripts. */
const PATTERNS = [
  /(?:TOKEN|SECRET|ADMIN|token|secret)[A-Za-z_]*['"]?\s*[:=]\s*['"`]([^'"`$\s]{16,})['"`]/g,
  /\$\{(?:[A-Z_]*(?:TOKEN|SECRET|PASSWORD)[A-Z_]*):-([^}]{16,})\}/g,
  /\b(?:ADMIN_TOKEN|AUTH_JWT_SECRET)=([^\s'"`$]{16,})/g,
];

function secretsInRepository(): Map<string, string> {
  const files = execFileSync('git', ['ls-files'], { cwd: repoRoot, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  const found = new Map<string, string>();
  for (const file of files) {
    if (/\.(png|jpg|ico|lock)$|package-lock\.json$/.test(file)) continue;
    let text: string;
    try {
      text = readFileSync(join(repoRoot, file), 'utf8');
    } catch {
      continue; // deleted in the work tree
    }
    for (const pattern of PATTERNS) for (const m of text.matchAll(pattern)) found.set(m[1]!, file);
  }
  return found;
}

describe('secrets written in the repository', () => {
  it('are all refused by a production boot', () => {
    const found = secretsInRepository();
    expect(found.size).toBeGreaterThan(3);
    const unknown = [...found].filter(([value]) => !isPublishedSecret(value)).map(([v, f]) => `${f}: ${v}`);
    expect(unknown).toEqual([]);
  });
});
