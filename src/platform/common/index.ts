export * from './duration.js';
export * from './sha256.js';
