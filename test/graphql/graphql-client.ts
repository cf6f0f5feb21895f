import type { AppHandle } from '../support/app-process.js';
import { TEST_ADMIN_TOKEN } from '../support/auth.js';

/** The operator credential of the specs' apps. */
export const ADMIN = `Bearer ${TEST_ADMIN_TOKEN}`;

/** A GraphQL answer over HTTP: status, `X-Cache`, the body. */
export interface GqlReply {
  status: number;
  cache: string | null;
  headers: Headers;
  body: {
    // Answers are read loosely by path: the specs assert the shapes.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    data?: Record<string, any> | null;
    errors?: { message: string; extensions?: { code?: string; status?: number; type?: string } }[];
  };
}

/** POSTs an operation to `/graphql` of `app`. */
export async function gql(
  app: AppHandle,
  query: string | undefined,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
  extensions?: Record<string, unknown>,
): Promise<GqlReply> {
  const res = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables, extensions }),
  });
  const text = await res.text();
  let body: GqlReply['body'];
  try {
    body = JSON.parse(text) as GqlReply['body'];
  } catch {
    body = { errors: [{ message: text }] };
  }
  return { status: res.status, cache: res.headers.get('x-cache'), headers: res.headers, body };
}

/** The `extensions.code` of each error of a reply. */
export const codes = (r: GqlReply): string[] => (r.body.errors ?? []).map((e) => e.extensions?.code ?? '');

/** A metric of every app summed (`name{labels} value` lines whose labels contain `match`). */
export async function metricSum(apps: AppHandle[], name: string, match = ''): Promise<number> {
  let sum = 0;
  for (const app of apps) {
    const text = await (await fetch(`${app.url}/metrics`, { headers: { authorization: ADMIN } })).text();
    for (const line of text.split('\n')) {
      if (!line.startsWith(name)) continue;
      const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
      if (m && m[1] === name && (m[2] ?? '').includes(match)) sum += Number(m[3]);
    }
  }
  return sum;
}
