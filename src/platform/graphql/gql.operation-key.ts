import { createHash } from 'node:crypto';
import {
  getArgumentValues,
  getNamedType,
  Kind,
  print,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type ASTNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { canonicalJson } from '../cache/cache.http-key.js';
import { CACHE_CONTROL_EXTENSION, type ResolvedHint } from './gql.cache-control.js';

/** Whether and how an operation may be served from the result cache. */
export interface OperationPolicy {
  maxAgeMs: number;
  scope: 'PUBLIC' | 'PRIVATE';
  tags: string[];
}

function sortKey(node: ASTNode): string {
  switch (node.kind) {
    case Kind.FIELD:
      return `0${node.alias?.value ?? ''}:${node.name.value}`;
    case Kind.FRAGMENT_SPREAD:
      return `1${node.name.value}`;
    default:
      return `2${print(node)}`;
  }
}

/**
 * The document as the key sees it: printed (whitespace and comments gone), selections, arguments and
 * definitions in sorted order, so two spellings of one query share an entry.
 */
export function normalizedDocument(document: DocumentNode): string {
  const sorted = visit(document, {
    SelectionSet: (node) => ({ ...node, selections: [...node.selections].sort(bySortKey) }),
    Field: (node) => ({ ...node, arguments: [...(node.arguments ?? [])].sort(byName) }),
    Document: (node) => ({ ...node, definitions: [...node.definitions].sort(bySortKey) }),
  });
  return print(sorted);
}
const bySortKey = (a: ASTNode, b: ASTNode) =>
  sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0;
const byName = (a: { name: { value: string } }, b: { name: { value: string } }) =>
  a.name.value < b.name.value ? -1 : a.name.value > b.name.value ? 1 : 0;

/** SHA-256 (base64url) of the normalised document and the operation name. */
export function documentHash(document: DocumentNode, operationName: string | null | undefined): string {
  let byName = hashes.get(document);
  if (!byName) hashes.set(document, (byName = new Map()));
  let hash = byName.get(operationName ?? '');
  if (hash === undefined) {
    hash = createHash('sha256')
      .update(`${operationName ?? ''}\n${normalizedDocument(document)}`)
      .digest('base64url');
    byName.set(operationName ?? '', hash);
  }
  return hash;
}

/** Hashes per parsed document: printing and sorting is done once per query text, not per request. */
const hashes = new WeakMap<DocumentNode, Map<string, string>>();

/** SHA-256 (base64url) of the canonical JSON of the variables (keys sorted). */
export function variablesHash(variables: Record<string, unknown> | undefined): string {
  return createHash('sha256')
    .update(canonicalJson(variables ?? {}))
    .digest('base64url');
}

/** The part of a policy that depends on the document alone, and the hinted fields whose tags need arguments. */
interface StaticPolicy {
  policy?: { maxAgeMs: number; scope: 'PUBLIC' | 'PRIVATE'; tags: string[] };
  tagged: {
    def: GraphQLField<unknown, unknown>;
    node: FieldNode;
    tags: (args: Record<string, unknown>) => readonly string[];
  }[];
}

/** Per parsed document (Apollo keeps one DocumentNode per query text) and operation: its static policy. */
const statics = new WeakMap<DocumentNode, Map<string, StaticPolicy>>();

function staticPolicy(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): StaticPolicy {
  let byOperation = statics.get(document);
  if (!byOperation) statics.set(document, (byOperation = new Map()));
  const name = operation.name?.value ?? '';
  let found = byOperation.get(name);
  if (found) return found;
  const policy = { maxAgeMs: Infinity, scope: 'PUBLIC' as 'PUBLIC' | 'PRIVATE', tags: [] as string[] };
  const tagged: StaticPolicy['tagged'] = [];
  let cacheable = operation.operation === 'query';
  const typeInfo = new TypeInfo(schema);
  const queryType = schema.getQueryType();
  const fragments = document.definitions.filter(
    (d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION,
  );
  for (const root of [operation, ...fragments]) {
    visit(
      root,
      visitWithTypeInfo(typeInfo, {
        Field(node) {
          const def = typeInfo.getFieldDef();
          if (!def) return;
          if (node.name.value.startsWith('__') && node.name.value !== '__typename') cacheable = false;
          const hint = (def.extensions?.[CACHE_CONTROL_EXTENSION] ??
            (getNamedType(def.type).extensions as Record<string, unknown> | undefined)?.[
              CACHE_CONTROL_EXTENSION
            ]) as ResolvedHint | undefined;
          if (!hint) {
            if (typeInfo.getParentType() === queryType) cacheable = false;
            return;
          }
          policy.maxAgeMs = Math.min(policy.maxAgeMs, hint.maxAgeMs);
          if (hint.scope === 'PRIVATE') policy.scope = 'PRIVATE';
          if (typeof hint.tags === 'function') tagged.push({ def, node, tags: hint.tags });
          else if (hint.tags) policy.tags.push(...hint.tags);
        },
      }),
    );
  }
  found = { policy: cacheable && Number.isFinite(policy.maxAgeMs) ? policy : undefined, tagged };
  byOperation.set(name, found);
  return found;
}

/**
 * The cache policy of an operation: the lowest hint of the fields it selects, PRIVATE when any is, the tags
 * of every hinted field for its coerced arguments; undefined (not cached) when a root field has no hint or
 * the operation is not a query. Introspection is never cached. The walk is done once per parsed document;
 * a request only evaluates the tag functions for its variables.
 */
export function operationPolicy(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): OperationPolicy | undefined {
  const { policy, tagged } = staticPolicy(schema, document, operation);
  if (!policy) return undefined;
  const tags = [...policy.tags];
  for (const t of tagged) tags.push(...t.tags(getArgumentValues(t.def, t.node, variables)));
  return { maxAgeMs: policy.maxAgeMs, scope: policy.scope, tags: [...new Set(tags)] };
}

/**
 * A cached result rebuilt in the order of the requester's selections (the entry may come from a spelling
 * of the query with its fields in another order).
 */
export function inSelectionOrder(
  data: unknown,
  selectionSet: SelectionSetNode | undefined,
  fragments: Map<string, FragmentDefinitionNode>,
): unknown {
  if (!selectionSet || data === null || typeof data !== 'object') return data;
  if (Array.isArray(data)) return data.map((item) => inSelectionOrder(item, selectionSet, fragments));
  const source = data as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const fill = (set: SelectionSetNode) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        const name = s.alias?.value ?? s.name.value;
        if (name in source && !(name in out))
          out[name] = inSelectionOrder(source[name], s.selectionSet, fragments);
      } else if (s.kind === Kind.INLINE_FRAGMENT) fill(s.selectionSet);
      else {
        const fragment = fragments.get(s.name.value);
        if (fragment) fill(fragment.selectionSet);
      }
    }
  };
  fill(selectionSet);
  // Anything the walk did not reach (not expected) is kept rather than dropped.
  for (const [k, v] of Object.entries(source)) if (!(k in out)) out[k] = v;
  return out;
}
