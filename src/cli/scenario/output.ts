/**
 * What `modswap run` and `modswap demo` do with a scenario's outcome: the
 * output paths checked before anything runs (output-path.ts), then the
 * trace file, the report directory and the printed result (the readable
 * timeline and summary, the expectations, the verdict; or one JSON object).
 * One printer for both commands, so a demo and the scenario it is print
 * and report alike.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliIO } from '../command.ts';
import { checkOutputFile, prepareOutputDir } from '../output-path.ts';
import { REPORT_FILES, writeReport } from '../report/index.ts';
import type { ScenarioOutcome } from './runner.ts';
import type { Scenario } from '../../system/scenario.ts';

export interface OutputFlags {
  trace?: string | undefined;
  report?: string | undefined;
  json: boolean;
}

/** The report directory of scenario `name`: DIR itself with one scenario, DIR/NAME with several. */
export function reportDir(flags: OutputFlags, name: string, several: boolean): string | null {
  return flags.report ? (several ? join(flags.report, name) : flags.report) : null;
}

/** Before any run: every output path can be written (UsageError, exit 2, otherwise). */
export function checkOutputs(cmd: string, flags: OutputFlags, names: readonly string[]): void {
  if (flags.trace !== undefined) checkOutputFile(cmd, 'trace', flags.trace);
  if (flags.report !== undefined) {
    prepareOutputDir(cmd, 'report', flags.report, names.length > 1 ? [] : REPORT_FILES);
    if (names.length > 1) for (const n of names) prepareOutputDir(cmd, 'report', join(flags.report, n), REPORT_FILES);
  }
}

/** Writes the trace and the report of one outcome; returns the report directory written, if any. */
export function writeOutputs(cmd: string, s: Scenario, out: ScenarioOutcome, flags: OutputFlags, several: boolean): string | null {
  if (flags.trace) writeFileSync(flags.trace, JSON.stringify(out.trace));
  const dir = reportDir(flags, s.name, several);
  if (dir) {
    writeReport(dir, {
      title: `modswap ${cmd} ${s.name}`,
      subtitle: s.description || undefined,
      trace: out.trace,
      summary: out.metrics,
      calls: out.calls,
      expectations: out.expectations,
      stuck: out.stuck,
      updateError: out.updateError,
    });
  }
  return dir;
}

export function printOutcome(io: CliIO, cmd: string, s: Scenario, out: ScenarioOutcome, flags: OutputFlags, dir: string | null): void {
  if (flags.json) {
    io.out(JSON.stringify({ scenario: s.name, ok: out.ok, expectations: out.expectations, metrics: out.metrics, ...(dir ? { report: dir } : {}) }));
    return;
  }
  io.out(`== modswap ${cmd} ${s.name} (seed ${s.seed})${s.description ? `: ${s.description}` : ''}\n`);
  io.out(out.text);
  if (out.expectations.length > 0) {
    io.out('expectations:');
    for (const e of out.expectations) io.out(`  ${e.ok ? 'met   ' : 'FAILED'} ${e.name.padEnd(34)} ${e.detail}`);
  }
  io.out(`${s.name}: ${out.ok ? 'all expectations met' : 'SOME EXPECTATIONS FAILED'}`);
  if (dir) io.out(`report written to ${join(dir, 'index.html')} (trace: ${join(dir, 'trace.json')})`);
  if (flags.trace) io.out(`trace written to ${flags.trace} (open it in https://ui.perfetto.dev)`);
  io.out('');
}
