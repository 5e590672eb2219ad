import { findRelations } from './catalog.js';
import type { RowsQuery } from './pg-types.js';

/** One advanced sync rule (reference G.5). */
export interface AdvancedRule {
  tables: string[];
  query: string;
  id_columns?: string[];
}

export interface ParsedRules {
  rules: AdvancedRule[];
  problems: string[];
}

const ALLOWED = new Set(['tables', 'query', 'id_columns']);
const SHAPE = 'Advanced rules must be a JSON array of {"tables": [...], "query": "...", "id_columns"?: [...]} objects';

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

function nonEmptyStrings(v: unknown): v is string[] {
  return Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s.trim() !== '');
}

const READING_STATEMENTS = new Set(['select', 'with', 'values', 'table']);

/**
 * The statement's first keyword, past comments, whitespace and opening
 * parentheses. Only a reading statement can be a cursor's query anyway; this
 * says so before PostgreSQL answers with a syntax error. (The read-only
 * transaction is what guarantees nothing is written, also through `WITH`.)
 */
export function firstKeyword(query: string): string {
  const rest = query.replace(/^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\()*/, '');
  return /^[a-z_]+/i.exec(rest)?.[0].toLowerCase() ?? '';
}

/** Shape checks only; empty (null, "", {}, []) means no rules. */
export function parseAdvancedRules(value: unknown): ParsedRules {
  if (isEmpty(value)) return { rules: [], problems: [] };
  let parsed = value;
  // Tolerated for robustness: the snippet stored as JSON text.
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return { rules: [], problems: [SHAPE] };
    }
    if (isEmpty(parsed)) return { rules: [], problems: [] };
  }
  if (!Array.isArray(parsed)) return { rules: [], problems: [SHAPE] };
  const problems: string[] = [];
  const rules: AdvancedRule[] = [];
  parsed.forEach((item: unknown, i) => {
    const at = `Rule ${i + 1}`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      problems.push(`${at}: must be an object with "tables" and "query"`);
      return;
    }
    const r = item as Record<string, unknown>;
    const before = problems.length;
    for (const key of Object.keys(r)) {
      if (!ALLOWED.has(key)) problems.push(`${at}: unknown property "${key}" (allowed: tables, query, id_columns)`);
    }
    if (!nonEmptyStrings(r.tables)) problems.push(`${at}: "tables" must be a non-empty array of table names`);
    if (typeof r.query !== 'string' || r.query.trim() === '') problems.push(`${at}: "query" must be a non-empty string`);
    else if (!READING_STATEMENTS.has(firstKeyword(r.query))) {
      const word = firstKeyword(r.query).toUpperCase() || JSON.stringify(r.query.trim().slice(0, 20));
      problems.push(`${at}: "query" must be one SELECT statement (or WITH … SELECT, VALUES, TABLE); it starts with ${word}`);
    }
    if ('id_columns' in r && !nonEmptyStrings(r.id_columns)) {
      problems.push(`${at}: "id_columns" must be a non-empty array of column names`);
    }
    if (problems.length > before) return;
    rules.push({
      tables: r.tables as string[],
      query: r.query as string,
      ...(r.id_columns ? { id_columns: r.id_columns as string[] } : {}),
    });
  });
  return { rules, problems };
}

/** Listed tables that do not exist in the schema or cannot be read, in first-seen order. */
export async function inaccessibleTables(query: RowsQuery, schema: string, rules: AdvancedRule[]): Promise<string[]> {
  const names = [...new Set(rules.flatMap((r) => r.tables))];
  const found = await findRelations(query, schema, names);
  return names.filter((n) => !found.get(n)?.canSelect);
}

export function tablesNotFoundMessage(tables: string[]): string {
  return `Tables not found or inaccessible: ${tables.join(', ')}`;
}
