/**
 * Parsers for PostgreSQL's text output of arrays and composite values
 * (row literals). Elements come back as their own text output, or null.
 */

export type ArrayItems = (string | null | ArrayItems)[];

/**
 * `{1,NULL,"a b"}`, `{{1,2},{3,4}}`, `[0:1]={1,2}`. Unquoted NULL is SQL NULL;
 * a quoted "NULL" is the string. `delimiter` is the element type's typdelim.
 */
export function parseArrayLiteral(text: string, delimiter = ','): ArrayItems {
  let i = 0;
  // Non-default lower bounds are printed as a prefix; the bounds carry no value for us.
  if (text.startsWith('[')) {
    const eq = text.indexOf('=');
    if (eq < 0) throw new Error(`Malformed array literal: ${text.slice(0, 80)}`);
    i = eq + 1;
  }
  const skipSpace = (): void => {
    while (i < text.length && /\s/.test(text[i] ?? '')) i++;
  };
  const level = (): ArrayItems => {
    if (text[i] !== '{') throw new Error(`Malformed array literal: ${text.slice(0, 80)}`);
    i++;
    const items: ArrayItems = [];
    skipSpace();
    if (text[i] === '}') {
      i++;
      return items;
    }
    for (;;) {
      skipSpace();
      if (text[i] === '{') {
        items.push(level());
      } else if (text[i] === '"') {
        i++;
        let s = '';
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\') i++;
          s += text[i] ?? '';
          i++;
        }
        i++;
        items.push(s);
      } else {
        let s = '';
        while (i < text.length && text[i] !== delimiter && text[i] !== '}') {
          if (text[i] === '\\') i++;
          s += text[i] ?? '';
          i++;
        }
        s = s.trimEnd();
        items.push(s.toUpperCase() === 'NULL' ? null : s);
      }
      skipSpace();
      if (text[i] === delimiter) {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return items;
      }
      throw new Error(`Malformed array literal: ${text.slice(0, 80)}`);
    }
  };
  return level();
}

/**
 * `(1,"a b",,"x""y")`: an empty unquoted field is NULL, `""` inside quotes is
 * a quote, a backslash escapes the next character.
 */
export function parseRecordLiteral(text: string): (string | null)[] {
  if (!text.startsWith('(') || !text.endsWith(')')) throw new Error(`Malformed row literal: ${text.slice(0, 80)}`);
  const fields: (string | null)[] = [];
  let i = 1;
  const end = text.length - 1;
  for (;;) {
    let value = '';
    let quotedOrNonEmpty = false;
    let inQuotes = false;
    while (i < end) {
      const c = text[i] ?? '';
      if (inQuotes) {
        if (c === '"' && text[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (c === '"') {
          inQuotes = false;
          i++;
        } else if (c === '\\') {
          value += text[i + 1] ?? '';
          i += 2;
        } else {
          value += c;
          i++;
        }
        continue;
      }
      if (c === ',') break;
      quotedOrNonEmpty = true;
      if (c === '"') inQuotes = true;
      else if (c === '\\') {
        value += text[i + 1] ?? '';
        i++;
      } else value += c;
      i++;
    }
    fields.push(quotedOrNonEmpty ? value : null);
    if (i >= end) return fields;
    i++; // the comma
  }
}
