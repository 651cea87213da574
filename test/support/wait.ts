import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `check` until it returns true; throws naming `description` after `timeoutMs`. */
export async function waitUntil(description: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await sleep(250);
  }
}
