/**
 * The PostgreSQL type graph needed to convert text values and derive mappings:
 * arrays know their element, domains their base type, composites their
 * attributes. Loaded from the catalog on demand and cached per source.
 */

export type PgTypeKind = 'base' | 'array' | 'composite' | 'domain' | 'enum' | 'range' | 'multirange' | 'pseudo';

export interface PgAttribute {
  name: string;
  type: PgType;
}

export interface PgType {
  oid: number;
  schema: string;
  name: string;
  kind: PgTypeKind;
  /** pg_type.typcategory, e.g. `S` for string types from extensions (citext). */
  category: string;
  /** Separator used when this type is an array element (`;` for box). */
  delimiter: string;
  element?: PgType;
  base?: PgType;
  attributes?: PgAttribute[];
}

/** Runs a catalog query and returns raw text rows. */
export type RowsQuery = (text: string, values?: unknown[]) => Promise<(string | null)[][]>;

// An array type is the one its element's typarray points back to; this
// excludes int2vector/oidvector and fixed-length types like point, which
// also have a typelem but print differently.
const TYPE_SQL = `SELECT t.oid, n.nspname, t.typname, t.typtype, t.typcategory, t.typdelim,
  CASE WHEN t.typcategory = 'A' AND e.typarray = t.oid THEN t.typelem ELSE 0 END,
  t.typbasetype,
  CASE WHEN t.typtype = 'c' THEN (
    SELECT pg_catalog.json_agg(pg_catalog.json_build_array(a.attname, a.atttypid) ORDER BY a.attnum)
    FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped)
  END
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_type e ON e.oid = t.typelem
WHERE t.oid = ANY($1::pg_catalog.oid[])`;

interface Row {
  oid: number;
  schema: string;
  name: string;
  typtype: string;
  category: string;
  delimiter: string;
  element: number;
  base: number;
  attributes: [string, number][];
}

const KINDS: Record<string, PgTypeKind> = { b: 'base', c: 'composite', d: 'domain', e: 'enum', r: 'range', m: 'multirange', p: 'pseudo' };

function unknownType(oid: number): PgType {
  return { oid, schema: '', name: 'unknown', kind: 'base', category: 'X', delimiter: ',' };
}

export class TypeRegistry {
  private readonly types = new Map<number, PgType>();

  get(oid: number): PgType {
    return this.types.get(oid) ?? unknownType(oid);
  }

  /** Loads the given types and everything they refer to. */
  async load(query: RowsQuery, oids: Iterable<number>): Promise<void> {
    let pending = [...new Set(oids)].filter((o) => !this.types.has(o));
    const rows = new Map<number, Row>();
    while (pending.length > 0) {
      const result = await query(TYPE_SQL, [pending]);
      const next = new Set<number>();
      for (const r of result) {
        const row: Row = {
          oid: Number(r[0]),
          schema: r[1] ?? '',
          name: r[2] ?? '',
          typtype: r[3] ?? 'b',
          category: r[4] ?? 'X',
          delimiter: r[5] ?? ',',
          element: Number(r[6] ?? 0),
          base: Number(r[7] ?? 0),
          // json_build_array prints oids as strings.
          attributes: r[8] ? (JSON.parse(r[8]) as [string, string | number][]).map(([n, o]) => [n, Number(o)]) : [],
        };
        rows.set(row.oid, row);
        for (const ref of [row.element, row.base, ...row.attributes.map((a) => a[1])]) {
          if (ref && !this.types.has(ref) && !rows.has(ref)) next.add(ref);
        }
      }
      // Oids the catalog does not know stay unknown rather than looping forever.
      for (const o of pending) if (!rows.has(o)) this.types.set(o, unknownType(o));
      pending = [...next].filter((o) => !rows.has(o));
    }
    // Two passes so references can point at types loaded in the same batch.
    for (const row of rows.values()) {
      this.types.set(row.oid, {
        oid: row.oid,
        schema: row.schema,
        name: row.name,
        kind: row.element ? 'array' : (KINDS[row.typtype] ?? 'base'),
        category: row.category,
        delimiter: row.delimiter,
      });
    }
    for (const row of rows.values()) {
      const type = this.types.get(row.oid);
      if (!type) continue;
      if (row.element) type.element = this.get(row.element);
      if (row.typtype === 'd' && row.base) type.base = this.get(row.base);
      if (row.typtype === 'c') type.attributes = row.attributes.map(([name, oid]) => ({ name, type: this.get(oid) }));
    }
  }
}

/** Follows domains down to the type whose text output we actually parse. */
export function baseOf(type: PgType): PgType {
  let t = type;
  for (let depth = 0; t.kind === 'domain' && t.base && depth < 32; depth++) t = t.base;
  return t;
}

/** Built-in type name, or '' for types from extensions/users (handled by kind/category). */
export function builtinName(type: PgType): string {
  return type.schema === 'pg_catalog' ? type.name : '';
}
