import { compareCodePoints } from '../../util/text.js';
import type { FieldNaming } from './schema.js';

export function sortedTables(tables: string[]): string[] {
  return [...tables].sort(compareCodePoints);
}

/** `<schema>_` + sorted table names joined by `_` + `_` (reference G.4). */
export function fieldPrefix(schema: string, tables: string[]): string {
  return `${schema}_${sortedTables(tables).join('_')}_`;
}

/** Fields the document itself carries (plus anything Elasticsearch or the pipeline reserves). */
const RESERVED = new Set(['id', 'database', 'schema', 'table']);

/**
 * Column name ⇒ document field. `prefixed` reproduces Elastic's
 * `<schema>_<table>_<column>` lower-cased. `column` keeps the column name,
 * except where it would overwrite a metadata field or hit an Elasticsearch
 * metadata/pipeline name (anything starting with `_`): those keep the
 * prefixed name so no value is lost and no document rejected.
 */
export function fieldNamer(naming: FieldNaming, schema: string, tables: string[]): (column: string) => string {
  const prefix = fieldPrefix(schema, tables);
  const prefixed = (column: string): string => `${prefix}${column}`.toLowerCase();
  if (naming === 'prefixed') return prefixed;
  return (column) => (RESERVED.has(column) || column.startsWith('_') ? prefixed(column) : column);
}
