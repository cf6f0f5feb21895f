import { describe, expect, it } from '@jest/globals';
import { pino, type LoggerOptions } from 'pino';
import { ACCESS_MESSAGE, accessWriter, type AccessFields } from './access-line.js';

/** A logger writing to an array, with a fixed time so lines compare byte for byte. */
function capture(options: LoggerOptions = {}) {
  const lines: string[] = [];
  const logger = pino({ timestamp: () => ',"time":42', ...options }, { write: (s: string) => lines.push(s) });
  return { logger, lines };
}

const fields: AccessFields = {
  id: 'b1a4c1f2-3c55-4a7e-9a51-6d2f0c1e9e11',
  method: 'POST',
  url: '/payments?note="a\\b"\n\u2028&x=é',
  status: 201,
  responseTime: 1.234,
};

/** The line pino itself writes for the same fields. */
function pinoLine(options: LoggerOptions, level: 'info' | 'warn' | 'error', f: AccessFields): string {
  const { logger, lines } = capture(options);
  logger[level](
    {
      req: { id: f.id, method: f.method, url: f.url },
      res: { statusCode: f.status },
      responseTime: f.responseTime,
    },
    ACCESS_MESSAGE,
  );
  return lines[0]!;
}

describe('accessWriter (access-line.ts)', () => {
  const configs: [string, LoggerOptions][] = [
    ['the defaults', {}],
    [
      "the app's logger (header redaction, identity serializers)",
      {
        redact: ['req.headers.authorization', 'req.headers.cookie'],
        serializers: { req: (x) => x, res: (x) => x },
      },
    ],
    ['level labels', { formatters: { level: (label) => ({ level: label }) } }],
    ['other bindings and message key', { base: { service: 'api' }, messageKey: 'message' }],
  ];

  it.each(configs)('writes, byte for byte, the line pino writes (%s), without calling pino', (_, options) => {
    for (const level of ['info', 'warn', 'error'] as const) {
      const { logger, lines } = capture(options);
      let viaPino = 0;
      logger[level] = (() => viaPino++) as never;
      accessWriter(logger)(level, fields);
      expect(viaPino).toBe(0);
      expect(lines).toEqual([pinoLine(options, level, fields)]);
      expect(JSON.parse(lines[0]!).req.url).toBe(fields.url);
    }
  });

  const altered: [string, LoggerOptions][] = [
    ['a mixin', { mixin: () => ({ tenant: 't1' }) }],
    ['a redacted URL', { redact: ['req.url'] }],
    ['a req serializer', { serializers: { req: (r: { id: string }) => ({ id: r.id }) } }],
    ['a log formatter', { formatters: { log: (o) => ({ ...o, extra: true }) } }],
    ['a message prefix', { msgPrefix: '[api] ' }],
    ['a stream-write hook', { hooks: { streamWrite: (s) => s.replace('completed', 'done') } }],
  ];

  it.each(altered)('leaves the line to pino when the logger has %s', (_, options) => {
    const { logger, lines } = capture(options);
    accessWriter(logger)('info', fields);
    expect(lines).toEqual([pinoLine(options, 'info', fields)]);
  });

  it('leaves a line whose fields are not all strings to pino (a request without an id)', () => {
    const { logger, lines } = capture();
    const partial = { ...fields, id: undefined as unknown as string };
    accessWriter(logger)('info', partial);
    expect(lines).toEqual([pinoLine({}, 'info', partial)]);
    expect(JSON.parse(lines[0]!).req).toEqual({ method: 'POST', url: fields.url });
  });
});
