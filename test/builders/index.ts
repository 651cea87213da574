// Builders of valid drm.dtf.io manifests as plain objects, for unit and integration tests.
export * from './merge.js';
export * from './orchestratedtask.js';
export * from './subtask.js';
export * from './workerpool.js';
