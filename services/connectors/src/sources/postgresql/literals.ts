/**
 * Parsers for PostgreSQL's text output of arrays and composite values
 * (row literals). Elements come back as their own text output, or null.
 */

export type ArrayItems = (string | null | ArrayItems)[];

const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const OPEN = 0x7b;
const CLOSE = 0x7d;

/** What `/\s/` matches, ASCII first: the array parser asks for every character between items. */
const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c > 0x7f && /\s/.test(String.fromCharCode(c)));

/** `text` from `start` to `end` with each backslash dropped and the character after it kept. */
function unescaped(text: string, start: number, end: number): string {
  let out = '';
  let from = start;
  for (let i = text.indexOf('\\', start); i !== -1 && i < end; i = text.indexOf('\\', i + 2)) {
    out += text.slice(from, i);
    from = i + 1;
  }
  return out + text.slice(from, end);
}

/**
 * `{1,NULL,"a b"}`, `{{1,2},{3,4}}`, `[0:1]={1,2}`. Unquoted NULL is SQL NULL;
 * a quoted "NULL" is the string. `delimiter` is the element type's typdelim.
 * Items are cut out of the text by slices: a sync parses every array of every row.
 */
export function parseArrayLiteral(text: string, delimiter = ','): ArrayItems {
  const n = text.length;
  const delim = delimiter.charCodeAt(0);
  const malformed = () => new Error(`Malformed array literal: ${text.slice(0, 80)}`);
  let i = 0;
  // Non-default lower bounds are printed as a prefix; the bounds carry no value for us.
  if (text.startsWith('[')) {
    const eq = text.indexOf('=');
    if (eq < 0) throw malformed();
    i = eq + 1;
  }
  const skipSpace = (): void => {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
  };
  const level = (): ArrayItems => {
    if (text.charCodeAt(i) !== OPEN) throw malformed();
    i++;
    const items: ArrayItems = [];
    skipSpace();
    if (text.charCodeAt(i) === CLOSE) {
      i++;
      return items;
    }
    for (;;) {
      skipSpace();
      const c = text.charCodeAt(i);
      if (c === OPEN) {
        items.push(level());
      } else if (c === QUOTE) {
        const start = ++i;
        let escaped = false;
        for (let d = text.charCodeAt(i); i < n && d !== QUOTE; d = text.charCodeAt(i)) {
          if (d === BACKSLASH) {
            escaped = true;
            i++;
          }
          i++;
        }
        items.push(escaped ? unescaped(text, start, i) : text.slice(start, i));
        i++;
      } else {
        const start = i;
        let escaped = false;
        for (let d = c; i < n && d !== delim && d !== CLOSE; d = text.charCodeAt(i)) {
          if (d === BACKSLASH) {
            escaped = true;
            i++;
          }
          i++;
        }
        const item = (escaped ? unescaped(text, start, i) : text.slice(start, i)).trimEnd();
        items.push(item.length === 4 && item.toUpperCase() === 'NULL' ? null : item);
      }
      skipSpace();
      const next = text.charCodeAt(i);
      if (next === delim) {
        i++;
        continue;
      }
      if (next === CLOSE) {
        i++;
        return items;
      }
      throw malformed();
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
