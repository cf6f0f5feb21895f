export * from './unavailable.interceptor.js';
