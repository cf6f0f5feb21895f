export * from './flags.evaluate.js';
export * from './flags.l1.js';
export * from './flags.module.js';
export * from './flags.service.js';
export * from './flags.types.js';
export { FLAGS_MODULE_OPTIONS } from './flags.module-definition.js';
