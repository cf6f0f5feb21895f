export * from './cache.decorators.js';
export * from './cache.engine.js';
export * from './cache.errors.js';
export * from './cache.module.js';
export * from './cache.safe-json.js';
export * from './cache.service.js';
export * from './cache.types.js';
