// Merging subtask results into the task's result, and storing large results in chunks.
export * from './chunks.js';
export * from './merge.js';
