/**
 * Keys that occur twice in one object of a JSON text. `JSON.parse` keeps the
 * last silently, as most log shippers do, so a repeated key is data lost.
 */
export function repeatedKeys(json: string): string[] {
  const repeated: string[] = [];
  const frames: { kind: 'object' | 'array'; keys: Set<string> }[] = [];
  // After `{`, or `,` inside an object, the next string is a key.
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      const top = frames.at(-1);
      if (expectKey && top?.kind === 'object') {
        const key = JSON.parse(json.slice(i, j + 1)) as string;
        if (top.keys.has(key)) repeated.push(key);
        top.keys.add(key);
      }
      expectKey = false;
      i = j;
    } else if (c === '{' || c === '[') {
      frames.push({ kind: c === '{' ? 'object' : 'array', keys: new Set() });
      expectKey = c === '{';
    } else if (c === '}' || c === ']') {
      frames.pop();
      expectKey = false;
    } else if (c === ',') {
      expectKey = frames.at(-1)?.kind === 'object';
    }
  }
  return repeated;
}
