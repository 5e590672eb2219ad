import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { blockNames, fillBlocks, referenceBlocks, settingsTable } from '../../src/config/reference.js';
import { SETTINGS } from '../../src/config/schema.js';
import { defaultSources } from '../../src/sources/index.js';
import { REPO_ROOT } from '../helpers/services.js';

const FILE = path.join(REPO_ROOT, 'docs/configuration.md');
const doc = readFileSync(FILE, 'utf8');
const registry = defaultSources();
const blocks = referenceBlocks(registry.types().map((t) => registry.get(t)!));

describe('docs/configuration.md, generated from the schemas', () => {
  it('has a block for the settings, the YAML keys and every source\'s connector fields', () => {
    expect(blockNames(doc).sort()).toEqual(Object.keys(blocks).sort());
  });

  it('says what the code says (run `make docs` after changing a setting or a field)', () => {
    // Compared block by block, so a failure names the block that drifted.
    const fresh = fillBlocks(doc, blocks);
    for (const name of blockNames(doc)) {
      const body = (text: string) => new RegExp(`<!-- generated: ${name} -->\\n([\\s\\S]*?)\\n<!-- /generated -->`).exec(text)?.[1];
      expect(body(doc), `block ${name}`).toBe(body(fresh));
    }
  });

  it('lists every setting the service reads, with its default', () => {
    const table = settingsTable();
    for (const key of Object.keys(SETTINGS)) expect(table).toContain(`| \`${key}\` |`);
    expect(table).toContain('| `CONNECTORS_BULK_MAX_MB` | `2` |');
    expect(table).toContain('| `ELASTICSEARCH_API_KEY` | – |');
  });

  it('fills an empty block without swallowing the next one (the filler itself)', () => {
    const text = 'a\n<!-- generated: one -->\n<!-- /generated -->\nb\n<!-- generated: two -->\nold\n<!-- /generated -->\n';
    expect(fillBlocks(text, { one: '1', two: '2' })).toBe('a\n<!-- generated: one -->\n1\n<!-- /generated -->\nb\n<!-- generated: two -->\n2\n<!-- /generated -->\n');
  });
});
