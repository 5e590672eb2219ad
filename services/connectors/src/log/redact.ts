import { errors } from '@elastic/transport';
import { MAX_MESSAGE_CHARS, boundMessage } from '../util/text.js';

/**
 * Scrubs secrets out of free text (error messages, URLs) before it reaches a
 * log line or a document. Structured fields are also redacted by pino's paths.
 */
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/)([^:/?#@\s]+):([^@/?#\s]+)@/gi;
const AUTH_HEADER = /\b(ApiKey|Basic|Bearer)\s+[A-Za-z0-9+/=._-]{8,}/g;
const PASSWORD_PAIR = /\b(password|passwd|pwd|api_key|apikey|secret)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&]+)/gi;

const known = new Set<string>();

/** Registers values (passwords, API keys) to blank out wherever they appear. */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value === 'string' && value.length >= 4) known.add(value);
}

export function redactText(text: string): string {
  let out = text
    .replace(URL_CREDENTIALS, '$1$2:[REDACTED]@')
    .replace(AUTH_HEADER, '$1 [REDACTED]')
    .replace(PASSWORD_PAIR, '$1$2[REDACTED]');
  for (const secret of known) {
    if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
  }
  return out;
}

/** The `type: reason` of an Elasticsearch error response, when `err` is one. */
function elasticsearchReason(err: Error): string | undefined {
  const body = (err as { body?: unknown }).body as { error?: { type?: string; reason?: string } | string } | undefined;
  const e = body?.error;
  if (typeof e === 'string') return e;
  if (e?.type && e.reason) return `${e.type}: ${e.reason}`;
  return undefined;
}

/** Transport failures say which server they are about: a bare `connect ECONNREFUSED` does not. */
function transportContext(err: Error): string | undefined {
  if (err instanceof errors.TimeoutError) return `Elasticsearch did not answer in time: ${err.message}`;
  if (err instanceof errors.ConnectionError || err instanceof errors.NoLivingConnectionsError) return `Elasticsearch unreachable: ${err.message}`;
  return undefined;
}

/** A one-line message for a document or log from anything thrown. */
export function errorMessage(err: unknown): string {
  const text = err instanceof Error ? (elasticsearchReason(err) ?? transportContext(err) ?? (err.message || err.name)) : String(err);
  // Cut first (far past the final cut, so no secret is redacted half): redaction
  // scans the text, and a quoted 50 MB value must not stall the loop.
  return boundMessage(redactText(text.slice(0, 4 * MAX_MESSAGE_CHARS).replace(/\s*\n\s*/g, ' ').trim()), text.length);
}
