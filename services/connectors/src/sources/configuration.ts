import type { ConfigField, Configuration, FieldValidation } from '../protocol/types.js';

/**
 * Connector configuration handling (reference D.8): publishing/merging a
 * source's schema into the connector document, reading typed values, and
 * checking the user's input before a source is built from it.
 */

/** The D.8 standard properties every configuration entry carries. */
export const STANDARD_FIELD_PROPERTIES = [
  'default_value',
  'depends_on',
  'display',
  'label',
  'options',
  'order',
  'required',
  'sensitive',
  'tooltip',
  'type',
  'ui_restrictions',
  'validations',
  'value',
] as const satisfies readonly (keyof ConfigField)[];

type StandardProperty = (typeof STANDARD_FIELD_PROPERTIES)[number];

// A function, not a constant, so no two fields ever share the same array instance.
function standardDefault(property: StandardProperty, key: string): unknown {
  switch (property) {
    case 'default_value':
      return null;
    case 'depends_on':
    case 'options':
    case 'ui_restrictions':
    case 'validations':
      return [];
    case 'display':
      return 'text';
    case 'label':
      return key.toUpperCase();
    case 'order':
      return 1;
    case 'required':
      return true;
    case 'sensitive':
      return false;
    case 'tooltip':
      return null;
    case 'type':
      return 'str';
    case 'value':
      return '';
  }
}

// Keys come from documents; a plain assignment of "__proto__" would replace the prototype.
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A complete field from a partial one. Only absent (undefined) properties are
 * filled; explicit values, including null, are kept. `key` provides the label
 * when none is given.
 */
export function withFieldDefaults(partial: Partial<ConfigField>, key = ''): ConfigField {
  const field: Record<string, unknown> = {};
  for (const [property, value] of Object.entries(partial)) {
    if (value !== undefined) setOwn(field, property, value);
  }
  for (const property of STANDARD_FIELD_PROPERTIES) {
    if (field[property] === undefined) field[property] = standardDefault(property, key);
  }
  return field as unknown as ConfigField;
}

/**
 * D.8: adds schema keys missing from `current` and fills missing standard
 * properties. Existing values and keys unknown to the schema are kept.
 *
 * Unlike Elastic's service, a property missing from an existing entry is taken
 * from the schema's definition of that key when there is one (so a damaged
 * `port` entry gets `type: "int"` and a password keeps `sensitive: true`), and
 * only otherwise from the generic defaults. Inputs are not modified.
 */
export function mergeSchema(current: Configuration, schema: Configuration): { configuration: Configuration; changed: boolean } {
  const configuration: Record<string, unknown> = {};
  let changed = false;

  for (const [key, entry] of Object.entries(current)) {
    const schemaField = Object.hasOwn(schema, key) && isRecord(schema[key]) ? withFieldDefaults(schema[key], key) : undefined;
    if (!isRecord(entry)) {
      setOwn(configuration, key, schemaField ?? withFieldDefaults({}, key));
      changed = true;
      continue;
    }
    const merged: Record<string, unknown> = cloneJson(entry);
    for (const property of STANDARD_FIELD_PROPERTIES) {
      if (merged[property] !== undefined) continue;
      merged[property] = schemaField ? cloneJson(schemaField[property]) : standardDefault(property, key);
      changed = true;
    }
    setOwn(configuration, key, merged);
  }

  for (const [key, field] of Object.entries(schema)) {
    if (Object.hasOwn(current, key)) continue;
    setOwn(configuration, key, withFieldDefaults(cloneJson(field), key));
    changed = true;
  }

  return { configuration: configuration as Configuration, changed };
}

// Schema objects are shared by every connector of a source; the result must not alias them.
function cloneJson<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}

// ---------------------------------------------------------------------------
// Typed values

const INTEGER = /^[+-]?\d+$/;

function isBlank(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
}

/** The value a field stands for: its `value`, or `default_value` when that is empty. */
function effectiveValue(field: ConfigField): unknown {
  return isBlank(field.value) ? field.default_value : field.value;
}

function toInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  if (typeof value === 'string' && INTEGER.test(value.trim())) {
    const n = Number(value.trim());
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (text === 'true') return true;
    if (text === 'false') return false;
  }
  return undefined;
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return String(value);
}

/** List elements, raw (so `list_type` can inspect them): strings are split on commas; blanks dropped. */
function listItems(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  const parts = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [value];
  const items: unknown[] = [];
  for (const part of parts) {
    if (isBlank(part)) continue;
    items.push(typeof part === 'string' ? part.trim() : part);
  }
  return items;
}

/**
 * Configuration values by key, typed by each field's `type`. Empty values
 * (`""`, null) fall back to `default_value`. When nothing usable remains:
 * `str` ⇒ `""`, `list` ⇒ `[]`, `int`/`bool` ⇒ undefined (also for values that
 * are not integers/booleans, which `validateConfiguration` reports).
 */
export function configurationValues(configuration: Configuration): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(configuration)) {
    if (!isRecord(field)) continue;
    const raw = effectiveValue(field);
    let typed: unknown;
    switch (field.type) {
      case 'int':
        typed = toInteger(raw);
        break;
      case 'bool':
        typed = toBoolean(raw);
        break;
      case 'list':
        typed = listItems(raw).map(textOf);
        break;
      case 'str':
        typed = textOf(raw);
        break;
      default:
        // A type this service does not know: hand the value over untouched.
        typed = raw;
    }
    setOwn(values, key, typed);
  }
  return values;
}

// ---------------------------------------------------------------------------
// Validation

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && NUMBER.test(value.trim())) return Number(value.trim());
  return undefined;
}

/** Comparable form for "loose" equality: `true` ≡ `"true"`, `5432` ≡ `"5432"`, blank ≡ null. */
function looseKey(value: unknown): string | null {
  if (isBlank(value)) return null;
  if (typeof value === 'boolean') return String(value);
  const number = toNumber(value);
  if (number !== undefined) return `n:${number}`;
  if (typeof value === 'string') {
    const text = value.trim();
    const lower = text.toLowerCase();
    return lower === 'true' || lower === 'false' ? lower : `s:${text}`;
  }
  return `j:${textOf(value)}`;
}

function looseEquals(a: unknown, b: unknown): boolean {
  return looseKey(a) === looseKey(b);
}

function dependenciesMet(field: ConfigField, configuration: Configuration): boolean {
  const dependencies = Array.isArray(field.depends_on) ? field.depends_on : [];
  return dependencies.every((dependency) => {
    if (!isRecord(dependency) || typeof dependency.field !== 'string') return true;
    const target = Object.hasOwn(configuration, dependency.field) ? configuration[dependency.field] : undefined;
    if (!isRecord(target)) return false;
    return looseEquals(effectiveValue(target), dependency.value);
  });
}

const MAX_SHOWN = 80;

function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : textOf(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}

function showList(values: readonly unknown[]): string {
  return values.map(show).join(', ');
}

/** Builds messages for one field; the only place values are rendered, so `sensitive` is enforced here. */
class FieldReporter {
  constructor(
    private readonly label: string,
    private readonly sensitive: boolean,
  ) {}

  /** `"Label" <text>`, plus `(<detail>)` unless the field is sensitive. */
  say(text: string, detail?: string): string {
    const suffix = detail !== undefined && !this.sensitive ? ` (${detail})` : '';
    return `"${this.label}" ${text}${suffix}`;
  }
}

function checkValidation(
  validation: FieldValidation,
  field: ConfigField,
  raw: unknown,
  report: FieldReporter,
): string | undefined {
  const isList = field.type === 'list';
  const items = isList ? listItems(raw) : [raw];
  const constraint = validation.constraint;

  switch (validation.type) {
    case 'less_than':
    case 'greater_than': {
      const limit = toNumber(constraint);
      if (limit === undefined) return undefined;
      const less = validation.type === 'less_than';
      const relation = less ? 'less than' : 'greater than';
      const holds = (n: number) => (less ? n < limit : n > limit);
      if (isList) {
        return holds(items.length) ? undefined : report.say(`must have ${less ? 'fewer' : 'more'} than ${limit} items`, `got ${items.length}`);
      }
      const n = field.type === 'int' ? toInteger(raw) : toNumber(raw);
      if (n === undefined) return report.say(`must be a number ${relation} ${limit}`, `got ${show(raw)}`);
      return holds(n) ? undefined : report.say(`must be ${relation} ${limit}`, `got ${show(raw)}`);
    }

    case 'list_type': {
      if (constraint !== 'int' && constraint !== 'str') return undefined;
      const bad = items.filter((item) => (constraint === 'int' ? toInteger(item) === undefined : typeof item !== 'string'));
      if (bad.length === 0) return undefined;
      const kind = constraint === 'int' ? 'integers' : 'strings';
      return report.say(isList ? `must be a list of ${kind}` : `must be ${constraint === 'int' ? 'an integer' : 'a string'}`, `not ${showList(bad)}`);
    }

    case 'included_in': {
      const allowed: unknown[] = Array.isArray(constraint) ? constraint : [constraint];
      const bad = items.filter((item) => !allowed.some((option) => looseEquals(option, item)));
      if (bad.length === 0) return undefined;
      const choices = `one of ${showList(allowed)}`;
      return report.say(isList ? `may only contain ${choices}` : `must be ${choices}`, `${isList ? 'not' : 'got'} ${showList(bad)}`);
    }

    case 'regex': {
      if (typeof constraint !== 'string') return undefined;
      let pattern: RegExp;
      try {
        // Compiled alone first: a pattern with unbalanced groups could otherwise escape the wrapper.
        new RegExp(constraint);
        pattern = new RegExp(`^(?:${constraint})$`);
      } catch {
        return report.say('cannot be checked: its validation pattern is invalid');
      }
      const bad = items.filter((item) => !pattern.test(textOf(item)));
      if (bad.length === 0) return undefined;
      return report.say(`must match the pattern ${constraint}`, `${isList ? 'not' : 'got'} ${showList(bad)}`);
    }

    default:
      // Unknown validation types come from newer schemas; ignoring them beats refusing the connector.
      return undefined;
  }
}

/** A list or an object where one value belongs: its text form would be a surprise (`[object Object]`, `["a","b"]`). */
function isStructured(value: unknown): boolean {
  return value !== null && typeof value === 'object';
}

function fieldProblem(field: ConfigField, label: string): string | undefined {
  const report = new FieldReporter(label, field.sensitive === true);
  const raw = effectiveValue(field);
  const empty = field.type === 'list' ? listItems(raw).length === 0 : isBlank(raw);
  if (empty) return field.required === false ? undefined : report.say('is required');

  if (field.type === 'str' && isStructured(raw)) return report.say('must be text', `got ${Array.isArray(raw) ? 'a list' : 'an object'}`);
  if (field.type === 'list' && listItems(raw).some(isStructured)) return report.say('must be a list of text values', 'got a list or an object inside it');
  if (field.type === 'int' && toInteger(raw) === undefined) return report.say('must be an integer', `got ${show(raw)}`);
  if (field.type === 'bool' && toBoolean(raw) === undefined) return report.say('must be true or false', `got ${show(raw)}`);

  const validations = Array.isArray(field.validations) ? field.validations : [];
  for (const validation of validations) {
    if (!isRecord(validation)) continue;
    const problem = checkValidation(validation, field, raw, report);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Problems a user can act on, at most one per field (the first found), in
 * field `order`. Fields whose `depends_on` is not met are skipped, as are
 * validations of empty optional fields. Values of `sensitive` fields are
 * never rendered.
 */
export function validateConfiguration(configuration: Configuration, schemaKeys: readonly string[] = []): string[] {
  const problems: string[] = [];
  for (const key of schemaKeys) {
    if (!Object.hasOwn(configuration, key) || !isRecord(configuration[key])) {
      problems.push(`Configuration field "${key}" is missing`);
    }
  }

  const fields = Object.entries(configuration)
    .filter((entry): entry is [string, ConfigField] => isRecord(entry[1]))
    .sort(([keyA, a], [keyB, b]) => orderOf(a) - orderOf(b) || (keyA < keyB ? -1 : keyA > keyB ? 1 : 0));

  for (const [key, field] of fields) {
    if (!dependenciesMet(field, configuration)) continue;
    const label = typeof field.label === 'string' && field.label.trim() !== '' ? field.label : key;
    const problem = fieldProblem(field, label);
    if (problem) problems.push(problem);
  }
  return problems;
}

function orderOf(field: ConfigField): number {
  return typeof field.order === 'number' && Number.isFinite(field.order) ? field.order : Number.MAX_SAFE_INTEGER;
}
