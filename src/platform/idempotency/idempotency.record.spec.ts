import { describe, expect, it } from '@jest/globals';
import { doneRecord, parseRecord, runningRecord } from './idempotency.record.js';

describe('idempotency records', () => {
  it('reads back a running record', () => {
    expect(parseRecord(runningRecord('fp_-1', '7c9e6679-7425-40de-944b-e07fc1f90ae7'))).toEqual({
      state: 'running',
      fingerprint: 'fp_-1',
    });
  });

  it('reads back a done record byte for byte, whatever the body holds', () => {
    const body = Buffer.from([0, 10, 13, 0xff, 0xfe, ...Buffer.from('{"a":"x\\ny"}\n')]);
    const headers: [string, string][] = [
      ['Content-Type', 'application/json; charset=utf-8'],
      ['Location', '/a\nb'],
    ];
    const parsed = parseRecord(doneRecord('fp', { status: 201, headers, body }));
    expect(parsed).toEqual({ state: 'done', fingerprint: 'fp', response: { status: 201, headers, body } });
    expect(parseRecord(doneRecord('fp', { status: 204, headers: [], body: Buffer.alloc(0) }))).toEqual({
      state: 'done',
      fingerprint: 'fp',
      response: { status: 204, headers: [], body: Buffer.alloc(0) },
    });
  });

  it('refuses values it did not write', () => {
    for (const value of [
      '',
      'r',
      'x\nfp\nowner',
      'rr\nfp\no',
      'd\nfp\n200',
      'd\nfp\nabc\n[]\n',
      'd\nfp\n200\n{\n',
    ])
      expect(parseRecord(value)).toBeUndefined();
  });
});
