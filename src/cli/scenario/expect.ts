/**
 * Expectations of a scenario, checked against the metrics of its run.
 *
 * A run yields a flat record of metrics (numbers, booleans, strings; null
 * when a figure does not apply, e.g. e2fsck on ramfs). Each expectation
 * names one metric and gives either the value it must equal or a comparison
 * ("< 1000", ">= 1", "!= EBUSY"). An expectation on a metric the run does
 * not have fails and says so, so a typo cannot pass silently.
 */
import type { ExpectationLine } from '../report/html.ts';

export type MetricValue = number | boolean | string | null;
export type Metrics = Record<string, MetricValue>;

const CMP = /^\s*(<=|>=|!=|==|<|>)\s*(.+?)\s*$/;

function show(v: MetricValue | undefined): string {
  if (v === undefined) return 'no such metric';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(3);
  return String(v);
}

export function checkExpectation(name: string, want: boolean | number | string, metrics: Metrics, known: readonly string[]): ExpectationLine {
  const have = metrics[name];
  const label = `${name} ${typeof want === 'string' && CMP.test(want) ? want.trim() : `== ${want}`}`;
  if (have === undefined) {
    return { name: label, ok: false, detail: `no metric '${name}' in this run (known: ${known.join(', ')})` };
  }
  if (have === null) return { name: label, ok: false, detail: `${name} does not apply to this run (null)` };
  let ok: boolean;
  const m = typeof want === 'string' ? CMP.exec(want) : null;
  if (m) {
    const op = m[1]!;
    const rhs = m[2]!;
    const num = Number(rhs);
    if (op === '==' || op === '!=') {
      const eq = typeof have === 'number' && Number.isFinite(num) ? have === num : String(have) === rhs;
      ok = op === '==' ? eq : !eq;
    } else if (typeof have !== 'number' || !Number.isFinite(num)) {
      return { name: label, ok: false, detail: `${name} = ${show(have)}: ${op} needs numbers` };
    } else {
      ok = op === '<' ? have < num : op === '<=' ? have <= num : op === '>' ? have > num : have >= num;
    }
  } else {
    ok = typeof want === 'number' && typeof have === 'number' ? have === want : String(have) === String(want);
  }
  return { name: label, ok, detail: `${name} = ${show(have)}` };
}

export function checkAll(expect: Record<string, boolean | number | string>, metrics: Metrics): ExpectationLine[] {
  const known = Object.keys(metrics).sort();
  return Object.entries(expect).map(([k, v]) => checkExpectation(k, v, metrics, known));
}

/** Flattens a demo summary into metrics (nested objects as a.b, arrays as their length). */
export function flattenSummary(obj: Record<string, unknown>, prefix = '', out: Metrics = {}): Metrics {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix + k;
    if (v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') out[key] = v;
    else if (Array.isArray(v)) out[key] = v.length;
    else if (typeof v === 'object' && v !== undefined) flattenSummary(v as Record<string, unknown>, key + '.', out);
  }
  return out;
}
