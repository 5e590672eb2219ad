import type { PgType } from '../../src/sources/postgresql/pg-types.js';

/** Catalog type descriptions for unit tests, shaped like the ones TypeRegistry builds. */
export function builtin(name: string, extra: Partial<PgType> = {}): PgType {
  return { oid: 0, schema: 'pg_catalog', name, kind: 'base', category: 'X', delimiter: ',', ...extra };
}

export function arrayOf(element: PgType): PgType {
  return builtin(`_${element.name}`, { kind: 'array', category: 'A', element });
}
