#!/usr/bin/env node
// drm-worker: the built-in worker. Runs the workload named by DRM_TASK_TYPE (or the input
// document's taskType) and leaves its outcome in the termination message, per
// docs/worker-contract.md. Logs are JSON on stderr; the termination message holds nothing else.
//   node dist/operator/worker/main.js        (the image)
//   tsx operator/worker/main.ts              (development)
import { pino } from 'pino';
import { TerminationMessage, encodeError, terminationMessagePathFrom } from './contract.js';
import { runWorker } from './run.js';

// After SIGTERM the run normally unwinds within ~50 ms (workloads check their abort signal);
// past this, the handler writes the outcome itself, well inside the pod's grace period.
const UNWIND_GRACE_MS = 2000;
const SIGNAL_EXIT_CODES = { SIGTERM: 143, SIGINT: 130 } as const;

const log = pino(
  { level: process.env.LOG_LEVEL ?? 'info', base: { component: 'drm-worker' }, timestamp: pino.stdTimeFunctions.isoTime },
  // Synchronous, so nothing is lost when we call process.exit.
  pino.destination({ dest: 2, sync: true }),
);
const terminationMessage = new TerminationMessage(terminationMessagePathFrom(process.env));
const abort = new AbortController();
let terminatedBy: keyof typeof SIGNAL_EXIT_CODES | undefined;

function lastWord(error: unknown, exitCode: number): never {
  try {
    terminationMessage.write(encodeError(error));
  } catch (writeError) {
    log.error({ err: writeError }, 'cannot write the termination message');
  }
  process.exit(exitCode);
}

for (const signal of Object.keys(SIGNAL_EXIT_CODES) as (keyof typeof SIGNAL_EXIT_CODES)[]) {
  process.on(signal, () => {
    if (terminatedBy !== undefined) return;
    terminatedBy = signal;
    log.warn({ signal }, 'terminating: aborting the workload');
    abort.abort(new Error(`terminated by ${signal} before the work finished`));
    setTimeout(() => lastWord(new Error(`terminated by ${signal}; the work did not stop in time`), SIGNAL_EXIT_CODES[signal]), UNWIND_GRACE_MS).unref();
  });
}
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (error: unknown) => {
    log.fatal({ err: error }, event);
    lastWord(error, 1);
  });
}

let outcome: Awaited<ReturnType<typeof runWorker>>;
try {
  outcome = await runWorker({ env: process.env, terminationMessage, signal: abort.signal, log });
} catch (error) {
  log.fatal({ err: error }, 'the worker failed unexpectedly');
  lastWord(error, 1);
}
// An explicit exit: an idle keep-alive connection to the API server must not hold the pod up.
process.exit(!outcome.succeeded && terminatedBy !== undefined ? SIGNAL_EXIT_CODES[terminatedBy] : outcome.exitCode);
