export * from './auth.decorators.js';
export * from './auth.guard.js';
export * from './auth.module.js';
export * from './auth.secret.js';
export * from './auth.service.js';
export * from './auth.types.js';
export * from './auth.verifier.js';
