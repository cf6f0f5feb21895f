/** Options of a test caller's credentials. */
export interface TestCaller {
  email?: string;
  roles?: string[];
}

/** The operator credential (`ADMIN_TOKEN`) that {@link authEnv} gives every app process of the specs. */
export const TEST_ADMIN_TOKEN = 'spec-admin-token-0123456789abcdef';

/** Environment an app process needs to accept the credentials {@link authHeader} builds. */
export function authEnv(): Record<string, string> {
  return { ADMIN_TOKEN: TEST_ADMIN_TOKEN };
}

/**
 * The `Authorization` header value of a test caller identified by `sub`. Every spec builds its credentials
 * here, so the identity model can change in one place.
 * @example await request(app.url).get('/payments').set('Authorization', authHeader('alice'));
 */
export function authHeader(sub: string, caller: TestCaller = {}): string {
  if (caller.roles?.includes('admin')) return `Bearer ${TEST_ADMIN_TOKEN}`;
  return `Bearer test-${sub}`;
}
