// Types of hack/bundle.mjs for the tests that import it.
import type { SourceMapPayload } from 'node:module';

export function ownSourcesOnly(map: SourceMapPayload): SourceMapPayload;
export function bundleOperator(): Promise<void>;
