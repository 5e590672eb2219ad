import { RE2JS } from 're2js';

/** A compiled rule regex: Python's `re.match` semantics, linear time. */
export interface RulePattern {
  /** Whether the pattern matches at the start of `text` (no full match needed). */
  test(text: string): boolean;
}

const UNSUPPORTED = 'are not supported: rule regexes run in linear time (RE2), without backtracking';

const FLAGS: Record<string, number> = { i: RE2JS.CASE_INSENSITIVE, m: RE2JS.MULTILINE, s: RE2JS.DOTALL };

/**
 * Compiles a rule regex written for Python's `re` with RE2's engine (re2js),
 * whose matching time is linear in the text: one user's `(a+)+$` can never
 * stall the service's other connectors, as a backtracking engine would.
 *
 * RE2 reads most Python syntax as is (`(?P<n>…)`, `\A`, inline flags, a
 * leading `]` in a class). Translated: leading global flags `(?i)`/`(?m)`/
 * `(?s)` (`(?a)`/`(?u)` are accepted; `\w`, `\d`, `\s` match ASCII here, as
 * with `(?a)` in Python), `\Z` (Python's end of text, RE2's `\z`) and
 * `\uXXXX`. Backreferences and lookarounds need backtracking, so they are
 * refused, as is verbose mode: a SyntaxError says which.
 */
export function compilePattern(pattern: string): RulePattern {
  let rest = pattern;
  let flags = 0;
  for (let lead = /^\(\?([a-zA-Z]+)\)/.exec(rest); lead; lead = /^\(\?([a-zA-Z]+)\)/.exec(rest)) {
    for (const flag of lead[1] ?? '') {
      if (FLAGS[flag] !== undefined) flags |= FLAGS[flag];
      else if (flag !== 'u' && flag !== 'a') throw new SyntaxError(`unsupported flag "${flag}"`);
    }
    rest = rest.slice(lead[0].length);
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(translateEscapes(rest), flags);
  } catch (err) {
    throw new SyntaxError((err as Error).message);
  }
  return { test: (text) => compiled.matcher(text).lookingAt() };
}

/**
 * `\Z` → `\z` outside character classes, `\uXXXX`/`\UXXXXXXXX` → `\x{…}`;
 * everything else is passed through. Constructs only a backtracking engine
 * can run are refused by name here, where escapes and classes are known.
 */
function translateEscapes(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i] as string;
    if (ch === '\\') {
      const next = source[i + 1] ?? '';
      if (!inClass && /[1-9]/.test(next)) throw new SyntaxError(`backreferences (\\${next}) ${UNSUPPORTED}`);
      const hex = next === 'u' ? /^[0-9a-fA-F]{4}/.exec(source.slice(i + 2, i + 6)) : next === 'U' ? /^[0-9a-fA-F]{8}/.exec(source.slice(i + 2, i + 10)) : null;
      if (hex) {
        out += `\\x{${hex[0]}}`;
        i += 1 + hex[0].length;
      } else {
        out += !inClass && next === 'Z' ? '\\z' : ch + next;
        i++;
      }
    } else if (inClass) {
      if (ch === ']') inClass = false;
      out += ch;
    } else {
      // Bounded look-ahead: a huge pattern is scanned in linear time.
      const construct = ch === '(' ? /^\(\?(?:P=\w+\)|<?[=!])/.exec(source.slice(i, i + 40))?.[0] : undefined;
      if (construct) throw new SyntaxError(`${construct.startsWith('(?P=') ? 'backreferences ((?P=name))' : 'lookaround assertions'} ${UNSUPPORTED}`);
      if (ch === '[') {
        inClass = true;
        // A `]` right after `[` or `[^` is a literal in Python and in RE2.
        const literal = /^\[\^?\]/.exec(source.slice(i, i + 3))?.[0];
        if (literal) {
          out += literal;
          i += literal.length - 1;
          continue;
        }
      }
      out += ch;
    }
  }
  return out;
}
