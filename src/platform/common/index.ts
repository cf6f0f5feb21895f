export * from './duration.js';
