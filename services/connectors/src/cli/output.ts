/** `--json`: one JSON document on stdout, shapes stable for scripts; otherwise lines for a person. */
export interface OutputOptions {
  json?: boolean;
}

export function emit(options: OutputOptions, value: unknown, human: () => string | string[]): void {
  if (options.json) {
    console.log(JSON.stringify(value, null, 2));
    return;
  }
  const text = human();
  console.log(Array.isArray(text) ? text.join('\n') : text);
}

/** Rows of cells as aligned columns, the header first. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

/** 75 s → "1 min 15 s": durations a person reads at a glance. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
