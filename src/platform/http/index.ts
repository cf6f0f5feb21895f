export * from './admin-token.js';
export * from './principal.js';
export * from './problem.js';
export * from './problem.filter.js';
export * from './validation.js';
export * from './body-neutral.js';
export * from './input-boundary.js';
export * from './execution.js';
