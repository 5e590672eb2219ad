/**
 * Compiles a rule regex written for Python's `re` into a JS RegExp used with
 * `re.match` semantics (sticky: anchored at the start, no full match needed).
 * Translates what differs and is common in such rules: leading global flags
 * `(?i)`/`(?m)`/`(?s)`, named groups `(?P<n>…)`/`(?P=n)`, `\A`/`\Z`, and a
 * leading `]` in a character class. Throws a SyntaxError for anything invalid
 * or untranslatable (e.g. verbose mode).
 */
export function compilePattern(pattern: string): RegExp {
  let rest = pattern;
  const flags = new Set<string>(['y']);
  for (let lead = /^\(\?([a-zA-Z]+)\)/.exec(rest); lead; lead = /^\(\?([a-zA-Z]+)\)/.exec(rest)) {
    for (const flag of lead[1] ?? '') {
      if (flag === 'i' || flag === 'm' || flag === 's') flags.add(flag);
      else if (flag !== 'u' && flag !== 'a') throw new SyntaxError(`Invalid regular expression: /${pattern}/: unsupported flag "${flag}"`);
    }
    rest = rest.slice(lead[0].length);
  }

  let out = '';
  let inClass = false;
  for (let i = 0; i < rest.length; i++) {
    const ch = rest[i] as string;
    if (ch === '\\') {
      const next = rest[i + 1];
      if (!inClass && next === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && next === 'Z') out += '(?![\\s\\S])';
      else out += ch + (next ?? '');
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      out += ch;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      out += ch;
      if (rest[i + 1] === '^') out += rest[++i];
      // Python reads a `]` right after `[`/`[^` as a literal; JS would end the class there.
      if (rest[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (rest.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
      continue;
    }
    const backref = /^\(\?P=(\w+)\)/.exec(rest.slice(i));
    if (backref) {
      out += `\\k<${backref[1]}>`;
      i += backref[0].length - 1;
      continue;
    }
    out += ch;
  }
  return new RegExp(out, [...flags].join(''));
}
