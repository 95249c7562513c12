/**
 * Writing a report directory: `index.html` (the self-contained page) and
 * `trace.json` (the Chrome/Perfetto trace) beside it. Used by
 * `modswap run --report DIR` and `modswap demo --report DIR`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderReport, type ReportInput } from './html.ts';

export interface WrittenReport {
  dir: string;
  html: string;
  trace: string;
  threadsShown: number;
  threadsTotal: number;
}

/** The files a report directory holds (checked before a run by src/cli/output-path.ts). */
export const REPORT_FILES = ['index.html', 'trace.json'] as const;

export function writeReport(dir: string, input: ReportInput): WrittenReport {
  mkdirSync(dir, { recursive: true });
  const r = renderReport(input);
  const html = join(dir, 'index.html');
  const trace = join(dir, 'trace.json');
  writeFileSync(html, r.html);
  writeFileSync(trace, JSON.stringify(input.trace));
  return { dir, html, trace, threadsShown: r.threadsShown, threadsTotal: r.threadsTotal };
}
