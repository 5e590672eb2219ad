import type { Reporter, TestModule } from 'vitest/node';
import type { SerializedError } from 'vitest';

/**
 * Prints one line per failure as the very last output of a run. CI keeps only
 * the tail of a long log, and the default reporter puts the names of failed
 * tests above pages of error detail; this makes the tail enough to act on.
 */
export default class FailureList implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<SerializedError>): void {
    const lines: string[] = [];
    for (const mod of modules) {
      for (const error of mod.errors()) lines.push(`${mod.relativeModuleId}: ${firstLine(error)}`);
      for (const test of mod.children.allTests()) {
        const result = test.result();
        if (result.state !== 'failed') continue;
        lines.push(`${mod.relativeModuleId} > ${test.fullName}: ${firstLine(result.errors[0])}`);
      }
    }
    for (const error of unhandled) lines.push(`unhandled: ${firstLine(error)}`);
    if (lines.length === 0) return;
    process.stdout.write(`\nFAILED (${lines.length}):\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
  }
}

function firstLine(error: { message?: string } | undefined): string {
  const text = (error?.message ?? 'no message').split('\n')[0] ?? '';
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
