// The drm.dtf.io/v1alpha1 API: zod schemas (the one source of truth for the CRDs), their
// TypeScript types, and the rule helpers they are built with.
export * from './common.js';
export * from './validation.js';
export * from './orchestratedtask.js';
export * from './subtask.js';
export * from './workerpool.js';
