import { describe, expect, it } from '@jest/globals';
import { newWebhookSecret, signWebhook, verifyWebhook } from './webhook.signature.js';

// The reference vector of the Standard Webhooks specification (github.com/standard-webhooks).
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TS = 1614265330;
const BODY = '{"test": 2432232314}';
const SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

describe('webhook signatures', () => {
  it('matches the Standard Webhooks reference vector', () => {
    expect(signWebhook(SECRET, ID, TS, BODY)).toBe(SIGNATURE);
  });

  it('verifies a good signature within the tolerance, among several', () => {
    const headers = { id: ID, timestamp: String(TS), signature: `v1,bm90IGl0 ${SIGNATURE}` };
    expect(verifyWebhook(SECRET, headers, BODY, TS + 299)).toBe(true);
  });

  it('rejects a changed body, id, timestamp, a stale or future timestamp, and another secret', () => {
    const ok = { id: ID, timestamp: String(TS), signature: SIGNATURE };
    expect(verifyWebhook(SECRET, ok, BODY.replace('2', '3'), TS)).toBe(false);
    expect(verifyWebhook(SECRET, { ...ok, id: 'msg_other' }, BODY, TS)).toBe(false);
    expect(verifyWebhook(SECRET, { ...ok, timestamp: String(TS + 1) }, BODY, TS)).toBe(false);
    expect(verifyWebhook(SECRET, ok, BODY, TS + 301)).toBe(false);
    expect(verifyWebhook(SECRET, ok, BODY, TS - 301)).toBe(false);
    expect(verifyWebhook(newWebhookSecret(), ok, BODY, TS)).toBe(false);
    expect(verifyWebhook(SECRET, { ...ok, timestamp: 'soon' }, BODY, TS)).toBe(false);
  });

  it('makes secrets of 24 random bytes in the whsec_ form', () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(24);
    expect(newWebhookSecret()).not.toBe(a);
  });
});
