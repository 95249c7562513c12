/**
 * Small formatting helpers shared by the report's SVG and HTML writers:
 * HTML/XML escaping, microsecond labels and "nice" axis steps.
 */

/** Escapes text for HTML and SVG (element content and attribute values). */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A time in µs as a short label: 850 µs, 12.5 ms, 3.2 s. */
export function fmtUs(us: number): string {
  const a = Math.abs(us);
  if (a >= 1e6) return `${trim(us / 1e6)} s`;
  if (a >= 1e3) return `${trim(us / 1e3)} ms`;
  return `${trim(us)} µs`;
}

function trim(v: number): string {
  const a = Math.abs(v);
  const s = a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** The 1, 2 or 5 times a power of ten nearest above `raw` (axis tick spacing). */
export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/** A summary value as table text: lists joined, records as `key value` pairs, never raw JSON. */
export function fmtValue(v: unknown): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 1 ? 4 : 2);
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.length === 0 ? '(none)' : v.map(fmtValue).join(', ');
  if (typeof v === 'object') {
    const e = Object.entries(v as Record<string, unknown>);
    return e.length === 0 ? '(none)' : e.map(([k, x]) => `${k} ${fmtValue(x)}`).join('; ');
  }
  return String(v);
}
