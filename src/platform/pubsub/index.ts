export * from './events.publisher.js';
export * from './pubsub.module.js';
export * from './pubsub.service.js';
export * from './pubsub.types.js';
export { PUBSUB_MODULE_OPTIONS } from './pubsub.module-definition.js';
