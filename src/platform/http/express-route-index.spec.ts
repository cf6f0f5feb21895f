import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express, { type NextFunction, type Request, type Response } from 'express';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { indexExpressRoutes } from './express-route-index.js';

/** One app, built the same way twice: walked by Express as usual, and indexed. */
function build(): express.Express {
  const app = express();
  const answer = (tag: string) => (req: Request, res: Response) => {
    res.json({ tag, route: (req.route as { path: string }).path, params: req.params, url: req.url });
  };
  app.use((_req, res, next) => {
    res.setHeader('x-first', '1');
    next();
  });
  app.get('/early', answer('early'));
  app.use('/mounted', (_req, res) => res.json({ tag: 'mounted' }));
  // The long run the index replaces: static first segments, a parameter first, optional and wildcard
  // parts, upper case, a fall-through, a skip to the next route, an error, a root route.
  app.get('/a', answer('a'));
  app.get('/a/:id', answer('a-id'));
  app.post('/a/:id', answer('a-id-post'));
  app.get('/Upper/x', answer('upper'));
  app.get('/:first/dyn', answer('first-dyn'));
  app.get('/opt{/:x}', answer('opt'));
  app.get('/wild/*rest', answer('wild'));
  app.get('/fall', (_req, _res, next) => next());
  app.get('/fall', answer('fall-second'));
  app.get('/skip', (_req, _res, next) => next('route'));
  app.get('/skip', answer('skip-second'));
  app.get('/boom', () => {
    throw new Error('boom');
  });
  app.put('/a', answer('a-put'));
  app.get('/', answer('root'));
  app.get('/a.b', answer('dot'));
  app.all('/every', answer('every')); // ends the run
  app.get('/after', answer('after'));
  app.get('/a/:id/tail', answer('a-id-tail-late'));
  app.use((req: Request, res: Response) => res.status(404).json({ tag: 'not-found', url: req.url }));
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ tag: 'error', message: err.message });
  });
  return app;
}

async function listen(app: express.Express): Promise<{ server: Server; port: number }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { server, port: (server.address() as AddressInfo).port };
}

/** The whole answer to a raw request target (status, the headers that matter, body). */
function ask(port: number, method: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        const h = res.headers;
        resolve(
          `${res.statusCode} ${h.allow ?? ''} ${h['x-first'] ?? ''} ${h['content-length'] ?? ''} ${body}`,
        );
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const PATHS = [
  '/',
  '/?q=1',
  '/early',
  '/a',
  '/A',
  '/a/',
  '/a?x=1',
  '/a/42',
  '/A/42/',
  '/a/%34%32',
  '/a/42/tail',
  '/a.b',
  '/a%2Fb',
  '/a\\42',
  '/upper/x',
  '/UPPER/X',
  '/zzz/dyn',
  '/a/dyn',
  '/%61/dyn',
  '/opt',
  '/opt/7',
  '/wild/1/2/3',
  '/fall',
  '/skip',
  '/boom',
  '/every',
  '/after',
  '/mounted/x',
  '/nothing',
  '//a',
  '/a/%zz',
  'http://example.com/a/42',
  '/\u00e9t\u00e9',
];

describe('indexExpressRoutes', () => {
  let walked: { server: Server; port: number };
  let indexed: { server: Server; port: number };
  let moved = 0;
  let before = 0;
  let after = 0;

  beforeAll(async () => {
    walked = await listen(build());
    const app = build();
    const stack = (app as unknown as { router: { stack: unknown[] } }).router.stack;
    before = stack.length;
    moved = indexExpressRoutes(app);
    after = stack.length;
    indexed = await listen(app);
  });
  afterAll(async () => {
    await Promise.all([walked, indexed].map((s) => new Promise((r) => s?.server.close(r))));
  });

  it('puts the long run of routes behind one dispatcher', () => {
    expect(moved).toBe(15);
    expect(after).toBe(before - 14);
  });

  it.each(['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS', 'DELETE'])(
    'answers every %s exactly as the walked router does',
    async (method) => {
      for (const path of PATHS) {
        const expected = await ask(walked.port, method, path);
        expect(`${path} ${await ask(indexed.port, method, path)}`).toBe(`${path} ${expected}`);
      }
    },
  );

  it('leaves an app with param handlers, or without a long run, as it is', () => {
    const withParam = build();
    withParam.param('id', (_req, _res, next) => next());
    expect(indexExpressRoutes(withParam)).toBe(0);
    const short = express();
    short.get('/a', (_req, res) => res.end());
    short.get('/b', (_req, res) => res.end());
    expect(indexExpressRoutes(short)).toBe(0);
  });
});
