export * from './session.module.js';
export * from './session.store.js';
