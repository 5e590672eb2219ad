/** Python's string order (by code point), which differs from JS's UTF-16 order above U+FFFF. */
export function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i]?.codePointAt(0) ?? 0) - (y[i]?.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** 8 000 UTF-16 units are at most 24 000 bytes of UTF-8: below a `keyword`'s 32 766. */
export const MAX_MESSAGE_CHARS = 8000;

/**
 * A message cut to `MAX_MESSAGE_CHARS`, saying how much was left out of
 * `fullLength` (the original's length, when `message` was already cut).
 */
export function boundMessage(message: string, fullLength = message.length): string {
  if (fullLength <= MAX_MESSAGE_CHARS) return message;
  let head = message.slice(0, MAX_MESSAGE_CHARS - 100);
  // Never end on half a surrogate pair.
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  return `${head} … (${fullLength - head.length} more characters)`;
}

/** Whether the UTF-16 unit `c` is an ASCII digit 0-9. */
export const isAsciiDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
