import { describe, expect, it } from 'vitest';
import { SETTINGS, rawConfigSchema } from '../../src/config/schema.js';
import { FILES, loadComposeDocument, readRepoFile } from '../helpers/compose-files.js';
import { parseEnvFile, variableRefs, type VariableRef } from '../helpers/compose-parse.js';

const refs = variableRefs(loadComposeDocument());
const envExample = parseEnvFile(readRepoFile(FILES.envExample));
const declared = new Map(envExample.entries.map((e) => [e.key, e.value]));
const used = [...new Set(refs.map((r) => r.name))].sort();

const hasDefault = (r: VariableRef) => r.operator === ':-' || r.operator === '-';
const isRequired = (r: VariableRef) => r.operator === ':?' || r.operator === '?';

describe(`variables of ${FILES.compose}`, () => {
  it('finds the variables the file uses (sanity check of the scanner)', () => {
    expect(used).toEqual(expect.arrayContaining(['STACK_VERSION', 'ELASTIC_PASSWORD', 'ES_PORT', 'POSTGRES_VERSION']));
  });

  it(`declares every one of them in ${FILES.envExample}`, () => {
    expect(used.filter((name) => !declared.has(name))).toEqual([]);
  });

  it('gives every reference a default or a `:?` message, so a missing .env still starts or fails clearly', () => {
    const bare = refs.filter((r) => !hasDefault(r) && !isRequired(r)).map((r) => `\${${r.name}}`);
    expect(bare).toEqual([]);
  });

  it(`uses one default per variable, equal to the value in ${FILES.envExample}`, () => {
    // Then running without a .env and running with a copy of .env.example are the same stack.
    const mismatches = refs
      .filter((r) => hasDefault(r) && r.argument !== declared.get(r.name))
      .map((r) => `${r.name}: compose default ${JSON.stringify(r.argument)}, ${FILES.envExample} ${JSON.stringify(declared.get(r.name))}`);
    expect(mismatches).toEqual([]);
  });
});

describe(FILES.envExample, () => {
  it('has only comments, blank lines and KEY=value lines', () => {
    expect(envExample.malformed).toEqual([]);
  });

  it('documents each key with a comment directly above it (or above its group)', () => {
    expect(envExample.entries.filter((e) => !e.documented).map((e) => `${e.key} (line ${e.line})`)).toEqual([]);
  });

  it('declares each key once', () => {
    const keys = envExample.entries.map((e) => e.key);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
  });

  it('keeps secrets alphanumeric, since they are pasted into URLs and JSON', () => {
    const secrets = envExample.entries.filter((e) => /PASSWORD$/.test(e.key));
    expect(secrets.length).toBeGreaterThan(0);
    expect(secrets.filter((e) => !/^[A-Za-z0-9]{6,}$/.test(e.value)).map((e) => e.key)).toEqual([]);
  });
});

describe('the parsers behind these checks', () => {
  it('reads a group of keys under one comment as documented, and a bare key as not', () => {
    const parsed = parseEnvFile('# about A and B\nA=1\nB=2\n\nC=3\n# about D\n\nD=4\nnot an assignment\n');
    expect(parsed.entries.map((e) => [e.key, e.documented])).toEqual([
      ['A', true],
      ['B', true],
      ['C', false],
      ['D', false],
    ]);
    expect(parsed.malformed).toEqual([{ line: 9, text: 'not an assignment' }]);
  });

  it('finds nested references, even in unused defaults, and ignores `$$` escapes', () => {
    const found = variableRefs({ a: '${A:-x${B}} $$NOT $${NOT_EITHER} $$$C', b: ['${D:?set D}', '${E:+${F}}'] });
    expect(found.map((r) => [r.name, r.operator])).toEqual([
      ['A', ':-'],
      ['B', ''],
      ['C', ''],
      ['D', ':?'],
      ['E', ':+'],
      ['F', ''],
    ]);
  });
});

describe(`${FILES.envExample} and the service's own defaults`, () => {
  it('gives every connector-service setting it declares the default the service would use anyway', () => {
    // Then a setting left out of .env behaves as the documented line says.
    const defaults = rawConfigSchema.parse({}) as Record<string, unknown>;
    const settings = envExample.entries.filter((e) => e.key in SETTINGS);
    expect(settings.length).toBeGreaterThan(5);
    const differ = settings.filter((e) => String(defaults[e.key]) !== e.value).map((e) => `${e.key}: ${e.value} here, ${String(defaults[e.key])} in the service`);
    expect(differ).toEqual([]);
  });
});
