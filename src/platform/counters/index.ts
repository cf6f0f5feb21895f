export * from './counters.days.js';
export * from './counters.module.js';
export * from './counters.service.js';
export * from './counters.types.js';
export { COUNTERS_MODULE_OPTIONS } from './counters.module-definition.js';
