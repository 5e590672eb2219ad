import { z } from 'zod';
import type { Configuration } from '../protocol/types.js';
import type { DataSourceFactory } from '../sources/types.js';
import { connectorEntrySchema, rawConfigSchema, SETTINGS, type SettingKey } from './schema.js';

/**
 * The reference tables of docs/configuration.md, generated from the schemas
 * the code reads, so the document cannot drift from them: `make docs` writes
 * them, and a unit test fails when the document differs.
 */

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (value: unknown) => (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0) ? '–' : `\`${Array.isArray(value) ? value.join(',') : String(value)}\``);

/** Every setting of the service: environment variable (and YAML key), default, meaning. */
export function settingsTable(): string {
  const defaults = rawConfigSchema.parse({}) as Record<string, unknown>;
  const rows = (Object.keys(SETTINGS) as SettingKey[]).map((key) => `| \`${key}\` | ${code(defaults[key])} | ${cell(SETTINGS[key])} |`);
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** The YAML file's keys beyond the variables: the per-connector list. */
export function yamlKeys(): string {
  const shape = connectorEntrySchema.shape;
  const entries = Object.entries(shape).map(([key, schema]) => `\`${key}\`${schema instanceof z.ZodOptional ? '' : ' (required)'}`);
  return `Every variable of the settings table, as a YAML key (any case), plus \`connectors\`: a list of {${entries.join(', ')}}.`;
}

/** A source's connector fields, in the order Kibana shows them. */
export function connectorFieldsTable(source: DataSourceFactory): string {
  const schema: Configuration = source.configurationSchema();
  const fields = Object.entries(schema).sort(([, a], [, b]) => a.order - b.order);
  const when = (f: Configuration[string]) => (f.depends_on.length ? ` when ${f.depends_on.map((d) => `${d.field} = ${String(d.value)}`).join(' and ')}` : '');
  const flags = (f: Configuration[string]) => [f.required ? `required${when(f)}` : '', f.sensitive ? 'secret' : '', f.ui_restrictions.includes('advanced') ? 'advanced' : ''].filter(Boolean).join(', ');
  const rows = fields.map(([key, f]) => `| \`${key}\` | ${cell(f.label)} | ${f.type} | ${code(f.default_value ?? f.value)} | ${flags(f) || '–'} | ${cell(f.tooltip ?? '')} |`);
  return ['| field | label in Kibana | type | default | | meaning |', '|---|---|---|---|---|---|', ...rows].join('\n');
}

/** Name → generated text, for the `<!-- generated: name -->` blocks of docs/configuration.md. */
export function referenceBlocks(sources: DataSourceFactory[]): Record<string, string> {
  return {
    settings: settingsTable(),
    'yaml-keys': yamlKeys(),
    ...Object.fromEntries(sources.map((s) => [`${s.serviceType}-fields`, connectorFieldsTable(s)])),
  };
}

/** A block: its opening marker, name, body (possibly empty, never another block) and closing marker. */
const BLOCK = /(<!-- generated: ([a-z0-9-]+) -->)\n?((?:(?!<!-- generated)[\s\S])*?)\n?(<!-- \/generated -->)/g;

/** The document with every generated block filled in; names without a generator are left as they are. */
export function fillBlocks(doc: string, blocks: Record<string, string>): string {
  return doc.replace(BLOCK, (all, open: string, name: string, _body: string, close: string) => (name in blocks ? `${open}\n${blocks[name]}\n${close}` : all));
}

/** Block names the document has. */
export function blockNames(doc: string): string[] {
  return [...doc.matchAll(BLOCK)].map((m) => m[2]!);
}
