/** Shared helpers for benchmark sections. */
export interface BenchSection {
  /** Short id for `npm run bench -- ID`. */
  id: string;
  title: string;
  /** Sections are written in this order. */
  order: number;
  /** Returns the section body in Markdown. */
  run(): Promise<string> | string;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Run `fn` n times and return the median of what it returns. */
export function medianOf(n: number, fn: () => number): number {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) xs.push(fn());
  return median(xs);
}

export function table(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
