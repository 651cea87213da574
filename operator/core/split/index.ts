// Splitting a task into subtasks: the plan, partition counts, names, dependency readiness.
export * from './choose-partitions.js';
export * from './dependencies.js';
export * from './names.js';
export * from './plan.js';
export * from './slices.js';
