export * from './options.js';
export * from './reload.js';
export * from './client-identity.js';
