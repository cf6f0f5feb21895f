export * from './gql.apq-store.js';
export * from './gql.cache-control.js';
export * from './gql.errors.js';
export * from './gql.hit-limit.js';
export * from './gql.limits.js';
export * from './gql.loaders.js';
export * from './gql.operation-cache.js';
export * from './gql.operation-key.js';
