/** Options of a test caller's credentials. */
export interface TestCaller {
  email?: string;
  roles?: string[];
}

/**
 * The `Authorization` header value of a test caller identified by `sub`. Every spec builds its credentials
 * here, so the identity model can change in one place.
 * @example await request(app.url).get('/payments').set('Authorization', authHeader('alice'));
 */
export function authHeader(sub: string, _caller: TestCaller = {}): string {
  return `Bearer test-${sub}`;
}
