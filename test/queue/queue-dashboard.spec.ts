// The bull-board dashboard at /admin/queues in headless Chromium (playwright-core, Debian's
// chromium): 401 without the token, the queues with it, through the browser's Basic prompt or through the
// session cookie a bearer-authorised page load sets (the dashboard's own API calls send no header).
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { chromium, type Browser, type Request as PwRequest } from 'playwright-core';
import { join } from 'node:path';
import { startApp, type AppHandle } from '../support/app-process.js';
import { testTmpDir } from '../support/tmp.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { describeEachTopology } from '../support/topologies.js';
import { ADMIN_TOKEN, appEnv, call, email, newPrefix } from './queue-kit.js';

const QUEUES = ['dead-letter', 'email', 'exports', 'webhooks'];

describeEachTopology(
  'Queue dashboard in Chromium',
  (redis) => {
    let app: AppHandle;
    let browser: Browser;
    let dashboard: string;

    beforeAll(async () => {
      const [started, launched] = await Promise.all([
        createTestDatabase().then((db) => startApp({ env: appEnv(redis().env, newPrefix(), db) })),
        chromium.launch({
          executablePath: '/usr/bin/chromium',
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        }),
      ]);
      app = started;
      browser = launched;
      dashboard = `${app.url}/admin/queues`;
      expect((await call(app, 'POST', '/notifications/email', email(1))).status).toBe(202);
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await app?.stop();
    }, 30_000);

    /** Waits until every queue name is on the page. */
    const showsQueues = (page: import('playwright-core').Page) =>
      // A string predicate: it runs in the page (this project compiles without the DOM types).
      page.waitForFunction(
        `${JSON.stringify(QUEUES)}.every((n) => document.body.innerText.includes(n)) && !document.body.innerText.includes('Loading')`,
        undefined,
        {
          timeout: 15_000,
        },
      );

    it('answers 401 without the token (page and API)', async () => {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        const seen: import('playwright-core').Response[] = [];
        page.on('response', (r) => seen.push(r));
        // Headless Chromium cannot show the login prompt the 401 asks for: the navigation fails on it.
        const navigation = await page.goto(dashboard).then(
          (r) => r,
          (err: Error) => err,
        );
        const res = navigation instanceof Error ? seen.find((r) => r.url() === dashboard) : navigation;
        expect(res?.status()).toBe(401);
        expect(res!.headers()['www-authenticate']).toBe('Basic realm="queues", charset="UTF-8"');
        if (navigation instanceof Error) expect(navigation.message).toContain('ERR_INVALID_AUTH_CREDENTIALS');
        expect((await call(app, 'GET', '/admin/queues/api/queues')).status).toBe(401);
        expect(
          (
            await call(app, 'GET', '/admin/queues', undefined, {
              authorization: 'Bearer wrong-token-0123456789',
            })
          ).status,
        ).toBe(401);
      } finally {
        await context.close();
      }
    });

    it('shows the queues with the token given to the browser login prompt (Basic)', async () => {
      const context = await browser.newContext({
        httpCredentials: { username: 'admin', password: ADMIN_TOKEN },
      });
      try {
        const page = await context.newPage();
        const res = await page.goto(dashboard);
        expect(res!.status()).toBe(200);
        await showsQueues(page);
        // Kept with TEST_KEEP_TMP=1, to look at what the browser rendered.
        await page.screenshot({ path: join(testTmpDir('dashboard'), 'queue-dashboard.png') });
      } finally {
        await context.close();
      }
    });

    it('a bearer token on the page load sets the cookie that the dashboard API calls then carry', async () => {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        // The header only on the document request, as a reverse proxy or a header extension would add it.
        await page.route(dashboard, (route) =>
          route.continue({
            headers: { ...route.request().headers(), authorization: `Bearer ${ADMIN_TOKEN}` },
          }),
        );
        const apiCalls: PwRequest[] = [];
        page.on('request', (r) => {
          if (r.url().includes('/admin/queues/api/')) apiCalls.push(r);
        });
        const res = await page.goto(dashboard);
        expect(res!.status()).toBe(200);
        await showsQueues(page);
        expect(apiCalls.length).toBeGreaterThan(0);
        for (const r of apiCalls) {
          expect((await r.allHeaders()).authorization).toBeUndefined();
          expect((await r.response())?.status()).toBe(200);
        }
        const [cookie] = await context.cookies(dashboard);
        expect(cookie).toMatchObject({
          name: 'queues_session',
          httpOnly: true,
          sameSite: 'Strict',
          path: '/admin/queues',
        });

        // The cookie does not let another site change anything (CSRF); the dashboard's own origin may.
        const session = { cookie: `${cookie!.name}=${cookie!.value}` };
        const crossSite = await call(app, 'PUT', '/admin/queues/api/queues/email/pause', undefined, {
          ...session,
          origin: 'https://evil.example',
        });
        expect(crossSite.status).toBe(403);
        const sameSite = await call(app, 'PUT', '/admin/queues/api/queues/webhooks/pause', undefined, {
          ...session,
          origin: app.url,
        });
        expect(sameSite.status).toBe(200);
        await call(app, 'PUT', '/admin/queues/api/queues/webhooks/resume', undefined, {
          ...session,
          origin: app.url,
        });
      } finally {
        await context.close();
      }
    });
  },
  ['standalone'],
);
