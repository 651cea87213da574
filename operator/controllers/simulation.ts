// A task's simulation knobs, for kwok nodes (pure): which annotations its pods get, and which are
// ignored, with why, so the task controller can say so once in an Event.
import { ANNOTATIONS } from './labels.js';

export interface SimulationAnnotations {
  /** Annotations copied to the task's pods. */
  copied: Record<string, string>;
  /** Usage annotations that were not copied, each with a message naming it and what it needs. */
  ignored: string[];
}

const PLAIN_NUMBER = /^\d{1,6}(\.\d{1,6})?$/;
const WHOLE_NUMBER = /^\d{1,18}$/;

/**
 * The duration is copied as given (kwok parses it); usage figures only when they are plain
 * non-negative numbers, since kwok pastes them into the worker's JSON termination message as
 * they are.
 */
export function simulationAnnotations(annotations: Record<string, string> | undefined): SimulationAnnotations {
  const copied: Record<string, string> = {};
  const ignored: string[] = [];
  const duration = annotations?.[ANNOTATIONS.simulatedDuration];
  if (duration) copied[ANNOTATIONS.simulatedDuration] = duration;
  const check = (name: string, pattern: RegExp, what: string) => {
    const value = annotations?.[name];
    if (value === undefined) return;
    if (pattern.test(value)) copied[name] = value;
    else ignored.push(`${name} must be ${what}, got ${JSON.stringify(value.slice(0, 64))}: simulated pods report no such usage`);
  };
  check(ANNOTATIONS.simulatedCpuCores, PLAIN_NUMBER, 'a plain number of cores such as 0.5');
  check(ANNOTATIONS.simulatedMemoryBytes, WHOLE_NUMBER, 'a whole number of bytes such as 536870912');
  return { copied, ignored };
}
