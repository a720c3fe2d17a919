export * from './server-options.js';
export * from './client-options.js';
