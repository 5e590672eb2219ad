/** Error types whose message is the one line the CLI prints. */

/** Bad settings; the message names the variable and never echoes a secret. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'ConfigError';
  }
}

/** A failure already explained for the user (connection, permissions, ...). */
export class SeedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SeedError';
  }
}

/** SQLSTATE of a PostgreSQL error, or the errno code of a socket error. */
export function pgCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Hints for SQLSTATEs a seed run commonly meets. */
const HINTS: Record<string, string> = {
  '42501': 'permission denied: the seeding user must own the schema (or have CREATE on the database for a new schema)',
  '25006': 'the database is read-only (a standby?)',
  '53100': 'the server is out of disk space',
  '57014': 'the statement was cancelled (statement_timeout?)',
};

/** One line for any error: ours verbatim, PostgreSQL's with its SQLSTATE and a hint. */
export function oneLine(err: unknown): string {
  if (err instanceof ConfigError || err instanceof SeedError) return err.message.replace(/\s*\n\s*/g, ' ');
  const message = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
  const code = pgCode(err);
  if (code && /^[0-9A-Z]{5}$/.test(code)) {
    const hint = HINTS[code];
    return `${message} (SQLSTATE ${code}${hint ? `: ${hint}` : ''})`;
  }
  return message;
}
