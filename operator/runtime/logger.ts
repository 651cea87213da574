// JSON logs (pino). Reconcilers log with child loggers keyed by task and subtask.
import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { component: 'drm-operator' }, timestamp: pino.stdTimeFunctions.isoTime });
}
