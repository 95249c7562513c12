/**
 * `modswap run SCENARIO.json...`: run scenario files (src/cli/scenario) and
 * check their expectations.
 *
 * Exit status: 0 every expectation of every scenario met, 1 some failed,
 * 2 a scenario file is invalid (one line per wrong field, naming it). With
 * several files a progress bar shows on stderr when it is a terminal.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, flagHelp, parseFlags, type FlagSpecs } from './args.ts';
import type { CliIO, Command } from './command.ts';
import { createProgress } from './progress.ts';
import { writeReport } from './report/index.ts';
import { runScenario, type ScenarioOutcome } from './scenario/runner.ts';
import { ScenarioError, parseScenario, type Scenario } from './scenario/schema.ts';

const FLAGS = {
  json: { kind: 'boolean', help: 'print one JSON object per scenario (metrics and expectations)' },
  report: { kind: 'string', help: 'write an HTML report (index.html + trace.json) into DIR (DIR/NAME with several scenarios)', arg: 'DIR' },
  trace: { kind: 'string', help: 'write the Chrome/Perfetto trace JSON to FILE (one scenario only)', arg: 'FILE' },
  seed: { kind: 'int', help: 'override the scenario seed', min: 0, max: 2 ** 32 - 1, arg: 'S' },
  check: { kind: 'boolean', help: 'only validate the files, do not run them' },
} satisfies FlagSpecs;

export const runCommand: Command = {
  name: 'run',
  summary: 'run scenario files (machine, workload, update, expectations)',
  help: () =>
    [
      'usage: modswap run SCENARIO.json [SCENARIO.json...] [FLAGS]',
      '',
      'Runs each scenario and checks its expectations. Exit 0: all met; 1: some failed;',
      '2: a scenario is invalid. The format is described in docs/tutorial.md and',
      'src/cli/scenario/schema.ts; scenarios/ holds the built-in demos as scenarios.',
      '',
      'flags:',
      flagHelp(FLAGS),
    ].join('\n'),
  async run(argv, io) {
    const { flags, positional } = parseFlags('run', argv, FLAGS);
    if (positional.length === 0) throw new UsageError('run: expected a scenario file (see modswap run --help)');
    if (flags.trace && positional.length > 1) throw new UsageError('run: --trace takes one scenario');
    const scenarios: Scenario[] = [];
    let invalid = false;
    for (const file of positional) {
      try {
        const s = parseScenario(readFileSync(file, 'utf8'), file);
        scenarios.push(flags.seed !== undefined ? { ...s, seed: flags.seed } : s);
      } catch (e) {
        invalid = true;
        if (e instanceof ScenarioError) for (const p of e.problems) io.err(`modswap run: ${file}: ${p}`);
        else io.err(`modswap run: ${file}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      }
    }
    if (invalid) return 2;
    if (flags.check) {
      if (flags.json) for (const s of scenarios) io.out(JSON.stringify({ scenario: s.name, valid: true }));
      else for (const s of scenarios) io.out(`${s.name}: valid`);
      return 0;
    }
    const progress = createProgress(scenarios.length > 1 ? scenarios.length : 0);
    let allOk = true;
    for (const [i, s] of scenarios.entries()) {
      progress.update(i, `running ${s.name}`);
      const out = await runScenario(s);
      progress.finish();
      allOk &&= out.ok;
      if (flags.trace) writeFileSync(flags.trace, JSON.stringify(out.trace));
      const dir = flags.report ? (scenarios.length > 1 ? join(flags.report, s.name) : flags.report) : null;
      if (dir) {
        writeReport(dir, {
          title: `modswap run ${s.name}`,
          subtitle: s.description || undefined,
          trace: out.trace,
          summary: out.metrics,
          calls: out.calls,
          expectations: out.expectations,
        });
      }
      print(io, s, out, flags.json, dir, flags.trace);
    }
    progress.update(scenarios.length, 'done');
    progress.finish();
    return allOk ? 0 : 1;
  },
};

function print(io: CliIO, s: Scenario, out: ScenarioOutcome, json: boolean, dir: string | null, trace: string | undefined): void {
  if (json) {
    io.out(JSON.stringify({ scenario: s.name, ok: out.ok, expectations: out.expectations, metrics: out.metrics, ...(dir ? { report: dir } : {}) }));
    return;
  }
  io.out(`== modswap run ${s.name} (seed ${s.seed})${s.description ? `: ${s.description}` : ''}\n`);
  io.out(out.text);
  if (out.expectations.length > 0) {
    io.out('expectations:');
    for (const e of out.expectations) io.out(`  ${e.ok ? 'met   ' : 'FAILED'} ${e.name.padEnd(34)} ${e.detail}`);
  }
  io.out(`${s.name}: ${out.ok ? 'all expectations met' : 'SOME EXPECTATIONS FAILED'}`);
  if (dir) io.out(`report written to ${join(dir, 'index.html')} (trace: ${join(dir, 'trace.json')})`);
  if (trace) io.out(`trace written to ${trace} (open it in https://ui.perfetto.dev)`);
  io.out('');
}
