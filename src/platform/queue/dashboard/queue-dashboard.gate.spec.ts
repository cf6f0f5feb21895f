import { describe, expect, it, jest } from '@jest/globals';
import type { NextFunction, Request } from 'express';
import type { ServerResponse } from 'node:http';
import {
  cookieValue,
  dashboardGate,
  isBasicAdmin,
  sessionValue,
  validSession,
} from './queue-dashboard.gate.js';

const TOKEN = 'dashboard-token-0123456789';
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

/** Runs the gate on a request; returns the status it answered (or 'next') and the headers it set. */
function run(token: string | undefined, req: Partial<Request>) {
  const headers: Record<string, string> = {};
  let status: number | 'next' = 'next';
  const res = {
    setHeader: (k: string, v: string) => (headers[k.toLowerCase()] = String(v)),
    set statusCode(code: number) {
      status = code;
    },
    end() {
      return this;
    },
  } as unknown as ServerResponse;
  const next = jest.fn() as unknown as NextFunction;
  dashboardGate(token, '/admin/queues')(
    {
      method: 'GET',
      headers: {},
      protocol: 'http',
      originalUrl: '/admin/queues',
      secure: false,
      ...req,
    } as Request,
    res,
    next,
  );
  return { status, headers };
}

describe('dashboard gate', () => {
  it('makes expiring sessions that only the token can make', () => {
    const now = 1_800_000_000;
    const value = sessionValue(TOKEN, now + 60);
    expect(validSession(value, TOKEN, now)).toBe(true);
    expect(validSession(value, TOKEN, now + 61)).toBe(false);
    expect(validSession(value, 'another-token-0123456789', now)).toBe(false);
    expect(validSession(value.replace(/^\d+/, String(now + 99_999)), TOKEN, now)).toBe(false);
    expect(validSession('garbage', TOKEN, now)).toBe(false);
    expect(validSession(undefined, TOKEN, now)).toBe(false);
  });

  it('accepts Basic with any user and the token as password', () => {
    expect(isBasicAdmin(basic('admin', TOKEN), TOKEN)).toBe(true);
    expect(isBasicAdmin(basic('', TOKEN), TOKEN)).toBe(true);
    expect(isBasicAdmin(basic('admin', 'nope'), TOKEN)).toBe(false);
    expect(isBasicAdmin(`Bearer ${TOKEN}`, TOKEN)).toBe(false);
  });

  it('reads one cookie among several', () => {
    expect(cookieValue('a=1; queues_session=xyz; b=2', 'queues_session')).toBe('xyz');
    expect(cookieValue('a=1', 'queues_session')).toBeUndefined();
  });

  it('is 404 without ADMIN_TOKEN, 401 without credentials, and lets the token through with a cookie', () => {
    expect(run(undefined, { headers: { authorization: `Bearer ${TOKEN}` } }).status).toBe(404);
    const denied = run(TOKEN, {});
    expect(denied.status).toBe(401);
    expect(denied.headers['www-authenticate']).toBe('Basic realm="queues", charset="UTF-8"');
    const ok = run(TOKEN, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe('next');
    expect(ok.headers['set-cookie']).toMatch(
      /^queues_session=\d+\.[\w-]{43}; Path=\/admin\/queues; Max-Age=28800; HttpOnly; SameSite=Strict$/,
    );
    const cookie = ok.headers['set-cookie']!.split(';')[0]!;
    expect(run(TOKEN, { headers: { cookie } }).status).toBe('next');
  });

  it('refuses state-changing calls from another site on ambient credentials, not with a bearer token', () => {
    const cookie = `queues_session=${sessionValue(TOKEN, Math.floor(Date.now() / 1000) + 60)}`;
    const put = (headers: Record<string, string>) =>
      run(TOKEN, { method: 'PUT', headers: { host: 'app:3000', ...headers } }).status;
    expect(put({ cookie, origin: 'https://evil.example' })).toBe(403);
    expect(put({ cookie, 'sec-fetch-site': 'cross-site' })).toBe(403);
    expect(put({ authorization: basic('a', TOKEN), 'sec-fetch-site': 'same-site' })).toBe(403);
    expect(put({ cookie, origin: 'http://app:3000', 'sec-fetch-site': 'same-origin' })).toBe('next');
    expect(put({ authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example' })).toBe('next');
  });
});
