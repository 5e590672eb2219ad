/** Assigns even a `__proto__` key as an own property, like JSON.parse does. */
export function setField(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

/** A key JavaScript orders before all others in every object, whatever the insertion order: an array index. */
export const isArrayIndex = (key: string): boolean => ARRAY_INDEX.test(key) && Number(key) < 4_294_967_295;
