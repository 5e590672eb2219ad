import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The README's compatibility section names, for each claim, the test that asserts it.
const README = fileURLToPath(new URL('../../../../README.md', import.meta.url));
const TESTS = fileURLToPath(new URL('../', import.meta.url));

function section(): string {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf('<!-- compatibility -->');
  const end = text.indexOf('<!-- /compatibility -->');
  expect(start, 'README has a compatibility section').toBeGreaterThan(0);
  return text.slice(start, end);
}

const REFERENCE = /`((?:unit|integration|e2e)\/[\w.-]+\.test\.ts)` › "([^"]+)"/;

describe("the README's compatibility section", () => {
  const rows = section()
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[-| ]+\|$/.test(line) && !/^\| (the same|deliberate difference) \|/.test(line));

  it('has a claim per row, each with a test reference', () => {
    expect(rows.length).toBeGreaterThanOrEqual(15);
    for (const row of rows) expect(row, row).toMatch(REFERENCE);
  });

  it.each(rows.map((row) => [REFERENCE.exec(row)?.[1] ?? '?', REFERENCE.exec(row)?.[2] ?? '?']))('%s has a test "%s"', (file, title) => {
    const source = readFileSync(`${TESTS}${file}`, 'utf8').replaceAll("\\'", "'");
    expect(source).toContain(title);
  });
});
