export * from './crd.js';
export * from './definitions.js';
export * from './render.js';
export * from './structural.js';
export * from './policy.js';
