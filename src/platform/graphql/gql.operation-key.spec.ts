import { describe, expect, it } from '@jest/globals';
import { buildSchema, getOperationAST, Kind, parse, type FragmentDefinitionNode } from 'graphql';
import { CACHE_CONTROL_EXTENSION, type ResolvedHint } from './gql.cache-control.js';
import { documentHash, inSelectionOrder, operationPolicy, variablesHash } from './gql.operation-key.js';

const schema = buildSchema(`
  type Car { id: Int! make: String! owner: Owner }
  type Owner { name: String! }
  type Query { car(id: Int!): Car  cars(make: String): [Car!]!  me: Owner  live: Int }
`);
const hint = (h: ResolvedHint) => ({ [CACHE_CONTROL_EXTENSION]: h });
const fields = schema.getQueryType()!.getFields();
fields.car!.extensions = hint({
  maxAgeMs: 300_000,
  scope: 'PUBLIC',
  tags: ({ id }) => [`car:${Number(id)}`],
});
fields.cars!.extensions = hint({ maxAgeMs: 30_000, scope: 'PUBLIC', tags: ['cars'] });
fields.me!.extensions = hint({ maxAgeMs: 60_000, scope: 'PRIVATE' });

function policyOf(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  return operationPolicy(schema, document, getOperationAST(document)!, variables);
}

describe('GraphQL operation keys', () => {
  it('ignore whitespace, comments, argument and field order, not names, aliases or values', () => {
    const a = parse('{ car(id: 1) { id make } cars(make: "Kia") { id } }');
    const b = parse('# same\n{ cars(make: "Kia") { id }\n  car(id: 1) { make   id } }');
    expect(documentHash(a, null)).toBe(documentHash(b, null));
    expect(documentHash(a, null)).not.toBe(documentHash(a, 'Named'));
    expect(documentHash(a, null)).not.toBe(
      documentHash(parse('{ car(id: 2) { id make } cars(make: "Kia") { id } }'), null),
    );
    expect(documentHash(a, null)).not.toBe(
      documentHash(parse('{ x: car(id: 1) { id make } cars(make: "Kia") { id } }'), null),
    );
    expect(variablesHash({ a: 1, b: [2, { d: 1, c: 2 }] })).toBe(
      variablesHash({ b: [2, { c: 2, d: 1 }], a: 1 }),
    );
  });

  it('take the lowest hint, PRIVATE when any field is, tags for the coerced arguments', () => {
    const policy = policyOf('query($id: Int!) { car(id: $id) { id } cars { id } }', { id: 7 });
    expect({ ...policy, tags: policy?.tags.sort() }).toEqual({
      maxAgeMs: 30_000,
      scope: 'PUBLIC',
      tags: ['car:7', 'cars'],
    });
    expect(policyOf('{ car(id: 1) { id } me { name } }')?.scope).toBe('PRIVATE');
  });

  it('leave out root fields without a hint, introspection and mutations', () => {
    expect(policyOf('{ car(id: 1) { id } live }')).toBeUndefined();
    expect(policyOf('{ car(id: 1) { id } __schema { queryType { name } } }')).toBeUndefined();
    expect(policyOf('{ car(id: 1) { __typename id owner { name } } }')?.maxAgeMs).toBe(300_000);
  });

  it("answer a cached result in the order of the requester's selections, fragments included", () => {
    const doc = parse('{ car(id: 1) { ...F owner { name } } } fragment F on Car { make id }');
    const fragments = new Map(
      doc.definitions
        .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
        .map((f) => [f.name.value, f]),
    );
    const cached = { car: { owner: { name: 'n' }, id: 1, make: 'Kia' } };
    const ordered = inSelectionOrder(cached, getOperationAST(doc)!.selectionSet, fragments);
    expect(JSON.stringify(ordered)).toBe('{"car":{"make":"Kia","id":1,"owner":{"name":"n"}}}');
  });
});
