import type { Yaml } from './compose-files.js';

// ---------------------------------------------------------------------------
// Compose variable interpolation (https://compose-spec.io, "Interpolation")
// ---------------------------------------------------------------------------

export type Operator = '' | ':-' | '-' | ':?' | '?' | ':+' | '+';

export interface VariableRef {
  name: string;
  operator: Operator;
  /** Text after the operator, itself interpolated when used (defaults may nest). */
  argument: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const OPERATORS: Operator[] = [':-', ':?', ':+', '-', '?', '+'];

/** Index of the `}` closing the `${` whose body starts at `from`. */
function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '$') {
      i++;
    } else if (text[i] === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (text[i] === '}' && --depth === 0) {
      return i;
    }
  }
  throw new Error(`unterminated \${ in ${JSON.stringify(text)}`);
}

/**
 * Expands Compose variables the way `docker compose` does: `$$` is a literal `$`;
 * `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`,
 * `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}`. Each reference met is passed
 * to `onRef`, including those inside the defaults that get used.
 */
export function interpolate(text: string, env: Env, onRef?: (ref: VariableRef) => void): string {
  return expand(text, env, onRef, false);
}

/** `scan` visits every reference, including defaults and alternatives that would not be used, and never throws. */
function expand(text: string, env: Env, onRef: ((ref: VariableRef) => void) | undefined, scan: boolean): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '$') {
      out += c;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    if (next === '{') {
      const end = closingBrace(text, i + 2);
      const body = text.slice(i + 2, end);
      const name = NAME.exec(body)?.[0];
      if (!name) throw new Error(`invalid variable reference \${${body}}`);
      const rest = body.slice(name.length);
      const operator = rest === '' ? '' : OPERATORS.find((op) => rest.startsWith(op));
      if (operator === undefined) throw new Error(`invalid variable reference \${${body}}`);
      const argument = rest.slice(operator.length);
      onRef?.({ name, operator, argument });
      out += scan ? expand(argument, env, onRef, true) : resolve(name, operator, argument, env, onRef);
      i = end;
      continue;
    }
    const name = NAME.exec(text.slice(i + 1))?.[0];
    if (name) {
      onRef?.({ name, operator: '', argument: '' });
      out += env[name] ?? '';
      i += name.length;
      continue;
    }
    out += c;
  }
  return out;
}

function resolve(name: string, op: Operator, arg: string, env: Env, onRef?: (ref: VariableRef) => void): string {
  const value = env[name];
  const unsetOrEmpty = value === undefined || value === '';
  const expandArg = () => expand(arg, env, onRef, false);
  switch (op) {
    case '':
      return value ?? '';
    case ':-':
      return unsetOrEmpty ? expandArg() : value;
    case '-':
      return value === undefined ? expandArg() : value;
    case ':?':
      if (unsetOrEmpty) throw new Error(`required variable ${name} is missing a value: ${expandArg()}`);
      return value;
    case '?':
      if (value === undefined) throw new Error(`required variable ${name} is missing a value: ${expandArg()}`);
      return value;
    case ':+':
      return unsetOrEmpty ? '' : expandArg();
    case '+':
      return value === undefined ? '' : expandArg();
  }
}

/** Interpolates every string scalar of a parsed document (keys are left alone, as Compose does). */
export function interpolateDocument<T extends Yaml>(node: T, env: Env, onRef?: (ref: VariableRef) => void): T {
  if (typeof node === 'string') return interpolate(node, env, onRef) as T;
  if (Array.isArray(node)) return node.map((n) => interpolateDocument(n, env, onRef)) as T;
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateDocument(v, env, onRef)])) as T;
  }
  return node;
}

/** Every variable reference in the document's string values (comments are not values, so they never count). */
export function variableRefs(node: Yaml): VariableRef[] {
  const refs: VariableRef[] = [];
  const visit = (n: Yaml): void => {
    if (typeof n === 'string') expand(n, {}, (r) => refs.push(r), true);
    else if (Array.isArray(n)) n.forEach(visit);
    else if (n !== null && typeof n === 'object') Object.values(n).forEach(visit);
  };
  visit(node);
  return refs;
}

// ---------------------------------------------------------------------------
// .env files
// ---------------------------------------------------------------------------

export interface EnvEntry {
  key: string;
  value: string;
  line: number;
  /** The run of assignments this line belongs to sits directly under a comment. */
  documented: boolean;
}

export interface EnvFile {
  entries: EnvEntry[];
  /** Lines that are neither blank, a comment nor `KEY=value`. */
  malformed: { line: number; text: string }[];
}

const ASSIGNMENT = /^([A-Z][A-Z0-9_]*)=(.*)$/;

export function parseEnvFile(text: string): EnvFile {
  const entries: EnvEntry[] = [];
  const malformed: EnvFile['malformed'] = [];
  // What the current run of assignments hangs under: a comment, or nothing.
  let underComment = false;
  let previous: 'blank' | 'comment' | 'assignment' = 'blank';
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') {
      previous = 'blank';
      return;
    }
    if (raw.startsWith('#')) {
      previous = 'comment';
      return;
    }
    const m = ASSIGNMENT.exec(raw);
    if (!m) {
      malformed.push({ line, text: raw });
      previous = 'blank';
      return;
    }
    if (previous !== 'assignment') underComment = previous === 'comment';
    previous = 'assignment';
    let value = m[2] ?? '';
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2] ?? '';
    entries.push({ key: m[1] ?? '', value, line, documented: underComment });
  });
  return { entries, malformed };
}

// ---------------------------------------------------------------------------
// Dockerfiles
// ---------------------------------------------------------------------------

export interface Instruction {
  keyword: string;
  /** Arguments with line continuations joined. */
  args: string;
  line: number;
}

export interface Stage {
  /** Base image with build ARG defaults substituted. */
  image: string;
  name?: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending: Instruction | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.trim();
    // Docker drops comment and blank lines, even inside a continuation.
    if (trimmed.startsWith('#') || trimmed === '') return;
    const continued = trimmed.endsWith('\\');
    const content = continued ? trimmed.slice(0, -1).trim() : trimmed;
    if (pending) {
      pending.args = `${pending.args} ${content}`.trim();
    } else {
      const m = /^(\S+)\s*(.*)$/.exec(content);
      pending = { keyword: (m?.[1] ?? '').toUpperCase(), args: m?.[2] ?? '', line: index + 1 };
    }
    if (!continued) {
      instructions.push(pending);
      pending = undefined;
    }
  });
  if (pending) instructions.push(pending);

  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const image = (words[0] ?? '').replace(
        /\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g,
        (_m, name: string) => globalArgs[name] ?? '',
      );
      const as = words.findIndex((w) => w.toUpperCase() === 'AS');
      const name = as >= 0 ? words[as + 1] : undefined;
      stages.push({ image, ...(name ? { name } : {}), instructions: [] });
    } else if (stages.length === 0) {
      if (ins.keyword === 'ARG') {
        const [name = '', ...value] = ins.args.split('=');
        globalArgs[name.trim()] = value.join('=').trim();
      }
    } else {
      stages.at(-1)?.instructions.push(ins);
    }
  }
  return { globalArgs, stages };
}

/** The JSON (exec) form of CMD/ENTRYPOINT/HEALTHCHECK CMD arguments, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.trimStart().startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) return undefined;
  return parsed as string[];
}

/** Arguments of the last instruction of that keyword in a stage (the one Docker keeps). */
export function lastInstruction(stage: Stage, keyword: string): Instruction | undefined {
  return stage.instructions.filter((i) => i.keyword === keyword).at(-1);
}
