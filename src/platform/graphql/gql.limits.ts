import { HeaderMap } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import type { DocumentNode, GraphQLSchema } from 'graphql';

/** Bounds of one GraphQL operation (GRAPHQL_MAX_DEPTH, GRAPHQL_MAX_ALIASES, GRAPHQL_MAX_COMPLEXITY). */
export interface GraphQLLimits {
  maxDepth: number;
  maxAliases: number;
  maxComplexity: number;
}

/** A refusal of the limits: 400, GraphQL format, with the problem type as in REST's 400s. */
export function limitError(type: string, message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: 'QUERY_TOO_LARGE',
      status: 400,
      type,
      http: { status: 400, headers: new HeaderMap() },
    },
  });
}

/** Depth of a selection set, fragments followed (cycles are refused by the spec's own rule). */
function depthOf(
  set: SelectionSetNode | undefined,
  fragments: Record<string, FragmentDefinitionNode>,
  seen: Set<string>,
): number {
  if (!set) return 0;
  let max = 0;
  for (const s of set.selections) {
    let d = 0;
    if (s.kind === Kind.FIELD)
      d = (s.name.value === '__typename' ? 0 : 1) + depthOf(s.selectionSet, fragments, seen);
    else if (s.kind === Kind.INLINE_FRAGMENT) d = depthOf(s.selectionSet, fragments, seen);
    else if (!seen.has(s.name.value) && fragments[s.name.value]) {
      seen.add(s.name.value);
      d = depthOf(fragments[s.name.value]!.selectionSet, fragments, seen);
      seen.delete(s.name.value);
    }
    max = Math.max(max, d);
  }
  return max;
}

/** Validation rule: operations nested deeper than `max` fields are refused. */
export function depthLimit(max: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(node) {
      const fragments = Object.fromEntries(
        context
          .getDocument()
          .definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
          .map((f) => [f.name.value, f]),
      );
      const depth = depthOf(node.selectionSet, fragments, new Set());
      if (depth > max) {
        context.reportError(limitError('query-too-deep', `query depth ${depth} exceeds the limit of ${max}`));
      }
    },
  });
}

/** Validation rule: documents with more than `max` aliased fields are refused (alias bombs). */
export function aliasLimit(max: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    let aliases = 0;
    return {
      Field(node) {
        if (node.alias && ++aliases === max + 1) {
          context.reportError(limitError('too-many-aliases', `the document has more than ${max} aliases`));
        }
      },
    };
  };
}

/**
 * The complexity check, after the operation is resolved (it needs the variables): fields cost 1, list
 * fields their `complexity` extension (`limit` x child cost); past `max` the operation is refused with 400.
 */
export function checkComplexity(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown> | undefined,
  max: number,
): void {
  const memoKey = `${operationName ?? ''}\n${JSON.stringify(variables ?? {})}`;
  let memo = complexities.get(document);
  if (!memo) complexities.set(document, (memo = new Map()));
  let complexity = memo.get(memoKey);
  if (complexity === undefined) {
    complexity = computeComplexity(schema, document, operationName, variables);
    if (complexity === undefined) return;
    // A small memo per document: the same query and variables again costs a Map lookup.
    if (memo.size >= 256) memo.clear();
    memo.set(memoKey, complexity);
  }
  if (complexity > max) {
    throw limitError('query-too-complex', `query complexity ${complexity} exceeds the limit of ${max}`);
  }
}

/** Complexity per parsed document, operation name and variables. */
const complexities = new WeakMap<DocumentNode, Map<string, number>>();

function computeComplexity(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown> | undefined,
): number | undefined {
  try {
    return getComplexity({
      schema,
      query: document,
      operationName,
      variables,
      estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
    });
  } catch {
    // Variables that do not coerce: execution refuses them with its own 400 (BAD_USER_INPUT).
    return undefined;
  }
}
