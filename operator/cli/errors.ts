// One line for an API error: the server's message, which names the fields a validation failed on.
import { ApiException } from '@kubernetes/client-node';

interface StatusBody {
  message?: string;
  reason?: string;
  details?: { causes?: Array<{ field?: string; message?: string }> };
}

function bodyOf(error: ApiException<unknown>): StatusBody | undefined {
  const body = error.body as unknown;
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return body ? { message: body.slice(0, 500) } : undefined;
    }
  }
  return typeof body === 'object' && body !== null ? (body as StatusBody) : undefined;
}

/** The error as one line, without the "error: " prefix. */
export function describeApiError(error: unknown): string {
  let text: string;
  if (error instanceof ApiException) {
    const body = bodyOf(error);
    const causes = (body?.details?.causes ?? []).filter((c) => c.message).map((c) => (c.field ? `${c.field}: ${c.message}` : c.message!));
    if (body?.message) {
      text = body.message;
      const missing = causes.filter((cause) => !text.includes(cause));
      if (missing.length) text += ` (${missing.join('; ')})`;
    } else if (causes.length) {
      text = causes.join('; ');
    } else {
      text = `the API server answered ${error.code}`;
    }
  } else {
    const cause = (error as { cause?: { message?: string } } | undefined)?.cause?.message;
    text = error instanceof Error ? `${error.message}${cause && !error.message.includes(cause) ? `: ${cause}` : ''}` : String(error);
  }
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
