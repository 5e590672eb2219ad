/**
 * WAL positions. PostgreSQL prints them as `X/Y` (two hex halves); they are
 * compared as 64-bit integers, never as text: `0/A0` sorts after `0/100` as text.
 */
export type Lsn = bigint;

export function parseLsn(text: string): Lsn {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!m) throw new Error(`not a WAL position: ${JSON.stringify(text)}`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

export function formatLsn(lsn: Lsn): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

export const maxLsn = (a: Lsn, b: Lsn): Lsn => (a > b ? a : b);
