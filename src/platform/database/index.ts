export * from './database.connection.js';
export * from './database.module.js';
export * from './database.types.js';
