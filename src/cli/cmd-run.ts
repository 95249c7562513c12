/**
 * `modswap run SCENARIO.json|yaml...`: run scenario files (src/cli/scenario)
 * and check their expectations.
 *
 * Exit status: 0 every expectation of every scenario met, 1 some failed
 * (a declared update that failed counts as failed unless the scenario
 * expects it to), 2 a scenario file is invalid (one line per wrong field,
 * naming it) or an output path cannot be written (checked before anything
 * runs). With several files a progress bar shows on stderr when it is a
 * terminal.
 */
import { UsageError, flagHelp, parseFlags, type FlagSpecs } from './args.ts';
import type { Command } from './command.ts';
import { createProgress } from './progress.ts';
import { loadScenario } from './scenario/files.ts';
import { checkOutputs, printOutcome, writeOutputs } from './scenario/output.ts';
import { runScenario } from './scenario/runner.ts';
import { ScenarioError, type Scenario } from '../system/scenario.ts';

const FLAGS = {
  json: { kind: 'boolean', help: 'print one JSON object per scenario (metrics and expectations)' },
  report: { kind: 'string', help: 'write an HTML report (index.html + trace.json) into DIR (DIR/NAME with several scenarios)', arg: 'DIR' },
  trace: { kind: 'string', help: 'write the Chrome/Perfetto trace JSON to FILE (one scenario only)', arg: 'FILE' },
  seed: { kind: 'int', help: 'override the scenario seed', min: 0, max: 2 ** 32 - 1, arg: 'S' },
  check: { kind: 'boolean', help: 'only validate the files, do not run them' },
} satisfies FlagSpecs;

export const runCommand: Command = {
  name: 'run',
  flags: FLAGS,
  summary: 'run scenario files, JSON or YAML (machine, workload, update, expectations)',
  help: () =>
    [
      'usage: modswap run SCENARIO.json|SCENARIO.yaml [SCENARIO...] [FLAGS]',
      '',
      'Runs each scenario and checks its expectations. Scenario files are JSON, or',
      'YAML when the name ends in .yaml or .yml. Exit 0: all met; 1: some failed (an',
      'update that failed fails the scenario unless it expects updateOk false or an',
      'updateError); 2: a scenario is invalid or an output path cannot be written.',
      'The format is described in docs/tutorial.md and src/system/scenario.ts;',
      'scenarios/ holds the built-in demos (modswap demo NAME runs scenarios/NAME.*).',
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
        const s = loadScenario(file);
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
    const several = scenarios.length > 1;
    checkOutputs('run', flags, scenarios.map((s) => s.name));
    const progress = createProgress(several ? scenarios.length : 0);
    let allOk = true;
    for (const [i, s] of scenarios.entries()) {
      progress.update(i, `running ${s.name}`);
      const out = await runScenario(s);
      progress.finish();
      allOk &&= out.ok;
      const dir = writeOutputs('run', s, out, flags, several);
      printOutcome(io, 'run', s, out, flags, dir);
    }
    progress.update(scenarios.length, 'done');
    progress.finish();
    return allOk ? 0 : 1;
  },
};
