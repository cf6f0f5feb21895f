import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { isAdminRequest } from '../../http/admin-token.js';

/** Name of the session cookie the gate sets once a request proved the admin token. */
export const DASHBOARD_COOKIE = 'queues_session';
/** A dashboard session lasts 8 hours, then the token must be given again. */
const SESSION_SECONDS = 8 * 3600;

const digest = (value: string) => createHash('sha256').update(value).digest();
const equal = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/** `<expiry seconds>.<HMAC-SHA256(token, expiry)>`: stateless, expiring, useless without the token. */
export function sessionValue(adminToken: string, expiresAt: number): string {
  const mac = createHmac('sha256', adminToken).update(`queues-dashboard:${expiresAt}`).digest('base64url');
  return `${expiresAt}.${mac}`;
}

/** True when `value` is an unexpired session made with `adminToken`. */
export function validSession(value: string | undefined, adminToken: string, nowSeconds: number): boolean {
  const match = value ? /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value) : null;
  if (!match) return false;
  const expiresAt = Number(match[1]);
  return expiresAt > nowSeconds && equal(value!, sessionValue(adminToken, expiresAt));
}

/** True for `Authorization: Basic base64(<any user>:<token>)`: what a browser's login prompt sends. */
export function isBasicAdmin(authorization: string | undefined, adminToken: string): boolean {
  const match = authorization ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization) : null;
  if (!match) return false;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 && equal(decoded.slice(colon + 1), adminToken);
}

/** The value of one cookie from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Node's request as the gate sees it: Express's `req` (with `protocol`, `secure` and `originalUrl`,
 * which honour TRUST_PROXY), or on Fastify the raw request Nest middleware gets, where they may be
 * missing and the socket says whether the connection is TLS.
 */
type GateRequest = IncomingMessage & { protocol?: string; secure?: boolean; originalUrl?: string };

function isSecure(req: GateRequest): boolean {
  return req.secure ?? (req.socket as { encrypted?: boolean }).encrypted === true;
}

/** A state-changing request sent by another site (the browser attaches cookies and Basic credentials). */
function crossSite(req: GateRequest): boolean {
  if (['GET', 'HEAD', 'OPTIONS'].includes(req.method ?? '')) return false;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const origin = req.headers.origin;
  const protocol = req.protocol ?? (isSecure(req) ? 'https' : 'http');
  return origin !== undefined && origin !== `${protocol}://${req.headers.host}`;
}

function problem(
  res: ServerResponse,
  status: number,
  title: string,
  detail: string,
  headers: Record<string, string> = {},
) {
  // Node's own API: the same response object on Express and under Fastify's middleware.
  const body = JSON.stringify({ type: title.toLowerCase().replace(/\s+/g, '-'), title, status, detail });
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/problem+json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

/**
 * Middleware in front of bull-board (Express, or Fastify's middleware layer: Node's request and response). Without ADMIN_TOKEN the dashboard does not exist (404).
 * Otherwise a request needs `Authorization: Bearer <token>`, `Basic` with the token as password (a
 * browser's own login prompt, re-sent by the browser on the dashboard's API calls), or the session cookie.
 * The dashboard's API calls send no Authorization header of their own, so a page load authorised by a
 * header sets the cookie (HttpOnly, SameSite=Strict, scoped to the dashboard path, 8 hours). State-changing
 * calls from another site are refused (403), since cookies and Basic credentials ride along on them.
 */
export function dashboardGate(adminToken: string | undefined, basePath: string) {
  return (req: GateRequest, res: ServerResponse, next: (err?: unknown) => void): void => {
    if (!adminToken)
      return problem(res, 404, 'Not Found', `Cannot ${req.method} ${req.originalUrl ?? req.url}`);
    const now = Math.floor(Date.now() / 1000);
    const auth = req.headers.authorization;
    const bearer = isAdminRequest(auth, adminToken);
    const basic = !bearer && isBasicAdmin(auth, adminToken);
    const cookie = validSession(cookieValue(req.headers.cookie, DASHBOARD_COOKIE), adminToken, now);
    if (!bearer && !basic && !cookie) {
      return problem(res, 401, 'Unauthorized', 'the queue dashboard needs the admin token', {
        'WWW-Authenticate': 'Basic realm="queues", charset="UTF-8"',
        'Cache-Control': 'no-store',
      });
    }
    if (!bearer && crossSite(req)) {
      return problem(res, 403, 'Forbidden', 'state-changing dashboard requests must come from the dashboard');
    }
    if (!cookie) {
      const secure = isSecure(req) ? '; Secure' : '';
      res.setHeader(
        'Set-Cookie',
        `${DASHBOARD_COOKIE}=${sessionValue(adminToken, now + SESSION_SECONDS)}; Path=${basePath}; ` +
          `Max-Age=${SESSION_SECONDS}; HttpOnly; SameSite=Strict${secure}`,
      );
    }
    res.setHeader('Cache-Control', 'no-store');
    next();
  };
}
