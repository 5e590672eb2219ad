/** How long to keep asking, and what to show when it never happens. */
export interface EventuallyOptions {
  timeoutMs?: number;
  everyMs?: number;
  /** Appended to the timeout message: the logs of whatever was expected to act. */
  context?: () => string | Promise<string>;
  /** Stop waiting at once (say, the process that should act has exited). */
  giveUpIf?: () => boolean;
}

/**
 * Polls `fn` until it returns something other than undefined; a throw counts as
 * "not yet" (the index or document may not exist yet). For the end-to-end
 * tests, which wait on what a separate process does.
 */
export async function eventually<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, opts: EventuallyOptions = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
  for (;;) {
    const v = await Promise.resolve().then(fn).catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline || opts.giveUpIf?.()) {
      const context = opts.context ? `\n${await opts.context()}` : '';
      throw new Error(`timed out waiting for ${what}${context}`);
    }
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 500));
  }
}
