export * from './metrics.module.js';
export * from './metrics.service.js';
