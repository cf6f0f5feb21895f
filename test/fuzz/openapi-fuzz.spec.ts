// Fuzzing from the OpenAPI document (/docs-json): every documented operation gets seeded examples built
// from its parameter and body schemas, half of them hostile (NUL, lone surrogates, huge, wrong types,
// deep nesting), as a caller and as an admin. Checks: no server error, no status code and no content
// type the document does not declare, and JSON bodies that match their declared schema (ajv).
// Schemathesis (PyPI) was the first choice; this machine and CI reach only npm and Debian, so this is
// the equivalent in the test runner. Replay a failure with FUZZ_SEED=<the printed seed>.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import AjvModule from 'ajv';
import { startApp, type AppHandle } from '../support/app-process.js';
import { authHeader } from '../support/auth.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { startRedis, type RedisHandle } from '../support/redis-standalone.js';

type Schema = Record<string, unknown>;
interface Operation {
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

const EXAMPLES = Number(process.env.FUZZ_EXAMPLES ?? 60);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
// ajv is CommonJS: under native ESM its class is the default export's `default`.
const Ajv = ((AjvModule as unknown as { default?: unknown }).default ??
  AjvModule) as typeof AjvModule.default;

function rng(seed: number) {
  let s = seed || 1;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

const HOSTILE: unknown[] = [
  '',
  '\u0000',
  'a\ud800b',
  'x'.repeat(5000),
  '../../etc/passwd',
  '%00',
  '{a:b}',
  '*',
  -1,
  0,
  1e308,
  2 ** 53 + 2,
  3.5,
  true,
  null,
  [],
  {},
  JSON.parse('['.repeat(60) + ']'.repeat(60)) as unknown,
];

describe('OpenAPI fuzzing: every documented operation', () => {
  let redis: RedisHandle;
  let app: AppHandle;
  let doc: {
    paths: Record<string, Record<string, Operation>>;
    components?: { schemas?: Record<string, Schema> };
  };

  beforeAll(async () => {
    redis = await startRedis({ aof: false });
    app = await startApp({
      env: {
        ...redis.env,
        DATABASE_URL: await createTestDatabase(),
        RATE_LIMIT_DEFAULT: '100000000/60s',
        RATE_LIMIT_UPLOAD: '100000000/60s',
        RATE_LIMIT_EXPORT: '100000000/60s',
        RATE_LIMIT_MESSAGE: '100000000/60s',
        RATE_LIMIT_LOGIN: '100000000/60s',
        QUEUE_WORKERS: '0',
      },
    });
    doc = (await (await fetch(`${app.url}/docs-json`)).json()) as typeof doc;
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    await redis?.stop();
  });

  const resolve = (s: Schema | undefined): Schema => {
    let cur = s ?? {};
    for (let i = 0; i < 10 && typeof cur.$ref === 'string'; i++)
      cur = doc.components?.schemas?.[(cur.$ref as string).split('/').pop()!] ?? {};
    return cur;
  };

  function generate(schema: Schema | undefined, random: () => number, depth = 0): unknown {
    if (random() < 0.25 || depth > 4) return HOSTILE[Math.floor(random() * HOSTILE.length)];
    const s = resolve(schema);
    if (Array.isArray(s.enum)) return s.enum[Math.floor(random() * s.enum.length)];
    const type = Array.isArray(s.type) ? s.type[0] : s.type;
    switch (type) {
      case 'integer':
      case 'number': {
        const min = typeof s.minimum === 'number' ? s.minimum : -1000;
        const max = typeof s.maximum === 'number' ? s.maximum : 1000;
        const v = min + random() * (max - min);
        return type === 'integer' ? Math.round(v) : v;
      }
      case 'boolean':
        return random() < 0.5;
      case 'array':
        return Array.from({ length: Math.floor(random() * 3) }, () =>
          generate(s.items as Schema, random, depth + 1),
        );
      case 'object': {
        const out: Record<string, unknown> = {};
        const required = new Set((s.required as string[] | undefined) ?? []);
        for (const [k, v] of Object.entries((s.properties as Record<string, Schema> | undefined) ?? {}))
          if (required.has(k) || random() < 0.5) out[k] = generate(v, random, depth + 1);
        return out;
      }
      default: {
        const alphabet = 'abcXYZ019-_./:é中 ';
        const len = Math.min(Number(s.maxLength ?? 24), 1 + Math.floor(random() * 24));
        if (s.format === 'uuid') return '00000000-0000-4000-8000-00000000000' + Math.floor(random() * 10);
        if (s.format === 'email') return 'a@example.com';
        return Array.from({ length: len }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      }
    }
  }

  /** OpenAPI 3.0 `nullable` to JSON Schema, for ajv. */
  function toJsonSchema(s: unknown): unknown {
    if (Array.isArray(s)) return s.map(toJsonSchema);
    if (!s || typeof s !== 'object') return s;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) {
      if (k === '$ref') out[k] = (v as string).replace('#/components/schemas/', '#/definitions/');
      else if (k !== 'nullable' && k !== 'example') out[k] = toJsonSchema(v);
    }
    if ((s as Schema).nullable === true) return { anyOf: [out, { type: 'null' }] };
    return out;
  }

  const encode = (v: unknown) => {
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    try {
      return encodeURIComponent(text);
    } catch {
      return '%ED%A0%80'; // a lone surrogate, as a client that does not check would send it
    }
  };

  it('finds no server error, undeclared status, undeclared content type or schema mismatch', async () => {
    console.log(`openapi fuzz: seed ${SEED} (replay: FUZZ_SEED=${SEED}), ${EXAMPLES} examples an operation`);
    const random = rng(SEED);
    const ajv = new Ajv({ strict: false, allErrors: false });
    const definitions = toJsonSchema(doc.components?.schemas ?? {});
    const validators = new Map<string, ReturnType<typeof ajv.compile>>();
    const validatorOf = (schema: Schema) => {
      const key = JSON.stringify(schema);
      let v = validators.get(key);
      if (!v) validators.set(key, (v = ajv.compile({ ...(toJsonSchema(schema) as object), definitions })));
      return v;
    };
    const failures: string[] = [];
    let operations = 0;
    let requests = 0;
    const started = Date.now();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!['get', 'put', 'post', 'patch', 'delete'].includes(method)) continue;
        operations++;
        for (let n = 0; n < EXAMPLES; n++) {
          const admin = n % 2 === 1;
          let url = path;
          let q = '';
          for (const p of op.parameters ?? []) {
            const v = generate(p.schema, random);
            // An empty segment would route elsewhere (GET /payments/ is the list): not this operation.
            if (p.in === 'path') url = url.replace(`{${p.name}}`, encode(v === '' ? 'x' : v));
            else if (p.in === 'query' && (p.required || random() < 0.5)) q += `&${p.name}=${encode(v)}`;
          }
          const bodySchema = op.requestBody?.content?.['application/json']?.schema;
          const body = bodySchema ? JSON.stringify(generate(bodySchema, random)) : undefined;
          const target = `${url}${q ? `?${q.slice(1)}` : ''}`;
          const ac = new AbortController();
          const res = await fetch(`${app.url}${target}`, {
            method: method.toUpperCase(),
            headers: {
              Authorization: admin ? authHeader('fuzz-admin', { roles: ['admin'] }) : authHeader('fuzz'),
              'Idempotency-Key': `fuzz-${SEED}-${requests}`,
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            body,
            signal: ac.signal,
          });
          requests++;
          const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
          let text = '';
          if (type === 'text/event-stream') ac.abort();
          else text = await res.text();
          const where = `${method.toUpperCase()} ${target.slice(0, 200)} -> ${res.status} ${type}`;
          if (res.status >= 500) failures.push(`server error: ${where} ${text.slice(0, 200)}`);
          const declared = op.responses[String(res.status)] ?? op.responses.default;
          if (!declared) {
            failures.push(`undeclared status: ${where}`);
            continue;
          }
          if (text && declared.content && !declared.content[type])
            failures.push(
              `undeclared content type: ${where} (declared: ${Object.keys(declared.content).join(', ')})`,
            );
          const schema = declared.content?.[type]?.schema;
          if (text && schema && type.endsWith('json')) {
            const validate = validatorOf(schema);
            let parsed: unknown;
            try {
              parsed = JSON.parse(text);
            } catch {
              failures.push(`not JSON: ${where}`);
              continue;
            }
            if (!validate(parsed))
              failures.push(`schema mismatch: ${where}: ${ajv.errorsText(validate.errors).slice(0, 300)}`);
          }
        }
      }
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `openapi fuzz: ${operations} operations, ${requests} requests in ${seconds.toFixed(1)} s, ` +
        `${failures.length} failures (seed ${SEED})`,
    );
    expect([...new Set(failures)].slice(0, 40)).toEqual([]);
  }, 240_000);
});
