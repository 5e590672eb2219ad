import { CommanderError } from 'commander';
import { ConfigError } from '../config/load.js';
import { errorMessage } from '../log/redact.js';

/** What the exit status tells a script calling `connectors` (listed in `--help`). */
export const EXIT = {
  ok: 0,
  /** A failed job, an unknown connector, or any other failure. */
  failed: 1,
  /** The command line itself was wrong: fixing the arguments fixes it. */
  usage: 2,
  /** Nothing answered at the Elasticsearch URL: start it, or point the URL elsewhere. */
  unreachable: 3,
  /** EX_CONFIG from sysexits.h: a setting is missing or invalid. */
  config: 78,
} as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0   done
  1   a failed or canceled job, an unknown connector or job id, or another failure
  2   bad usage (unknown option or field, an invalid value or schedule, a job type the connector does not support)
  3   cannot reach Elasticsearch
  78  configuration error`;

/** A failure whose message is already fit for the user: printed as it is, no stack. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export const notFound = (id: string) => new CliError(`connector "${id}" not found`, EXIT.failed);

/**
 * The message (null: commander already printed it) and exit status for anything
 * a command threw.
 */
export function exitFor(err: unknown): { message: string | null; code: number } {
  if (err instanceof CommanderError) return { message: null, code: err.exitCode === 0 ? EXIT.ok : EXIT.usage };
  if (err instanceof CliError) return { message: err.message, code: err.exitCode };
  if (err instanceof ConfigError) return { message: err.message, code: EXIT.config };
  return { message: `error: ${errorMessage(err)}`, code: EXIT.failed };
}
