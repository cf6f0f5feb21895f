export * from './key-builder.js';
export * from './lua-scripts.js';
export * from './redis.connection.js';
export * from './redis.connection-factory.js';
export * from './redis.module.js';
export * from './redis.subscriber-link.js';
export * from './redis.types.js';
export { REDIS_MODULE_OPTIONS } from './redis.module-definition.js';
