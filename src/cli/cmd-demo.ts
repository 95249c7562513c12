/**
 * `modswap demo [NAME]`: run the built-in scenario scenarios/NAME.* (JSON or
 * YAML) and print its timeline, summary and expectations. A demo is that
 * scenario: the same runner, the same report and the same exit status as
 * `modswap run scenarios/NAME.json`. Without NAME it runs DEFAULT_DEMO,
 * which is what `npm run demo` shows.
 *
 * Exit: 0 the demo showed what it sets out to show (every expectation
 * met), 1 it did not, 2 bad flags or an output path that cannot be written
 * (checked before the run).
 */
import { UsageError, flagHelp, parseFlags, type FlagSpecs } from './args.ts';
import type { Command } from './command.ts';
import { builtinScenarios, findBuiltinScenario, loadScenario } from './scenario/files.ts';
import { checkOutputs, printOutcome, writeOutputs } from './scenario/output.ts';
import { runScenario } from './scenario/runner.ts';
import type { Scenario } from '../system/scenario.ts';

/** The demo `npm run demo` runs: the best one there is. */
export const DEFAULT_DEMO = 'ext3-bugfix';

const FLAGS = {
  list: { kind: 'boolean', help: 'list the demos and exit' },
  seed: { kind: 'int', help: 'PRNG seed (default: the scenario\'s)', min: 0, max: 2 ** 32 - 1, arg: 'S' },
  cpus: { kind: 'int', help: 'number of CPUs (default: the scenario\'s)', min: 1, max: 256, arg: 'N' },
  threads: { kind: 'int', help: 'number of worker threads (default: the scenario\'s)', min: 1, max: 4096, arg: 'N' },
  trace: { kind: 'string', help: 'write the Chrome/Perfetto trace JSON to FILE', arg: 'FILE' },
  report: { kind: 'string', help: 'write an HTML report (index.html + trace.json) into DIR', arg: 'DIR' },
  json: { kind: 'boolean', help: 'print the result as one JSON object instead of the timeline' },
} satisfies FlagSpecs;

interface DemoEntry {
  name: string;
  file: string;
  summary: string;
}

/** The demos: every scenario in scenarios/, with its description. */
export function listDemos(): DemoEntry[] {
  return builtinScenarios().map((b) => {
    let summary: string;
    try {
      summary = loadScenario(b.file).description;
    } catch (e) {
      summary = `(invalid: ${e instanceof Error ? e.message.split('\n')[0] : String(e)})`;
    }
    return { ...b, summary };
  });
}

function withOverrides(s: Scenario, f: { seed?: number | undefined; cpus?: number | undefined; threads?: number | undefined }): Scenario {
  return {
    ...s,
    ...(f.seed !== undefined ? { seed: f.seed } : {}),
    ...(f.cpus !== undefined ? { machine: { ...s.machine, cpus: f.cpus } } : {}),
    ...(f.threads !== undefined ? { workload: { ...s.workload, threads: f.threads } } : {}),
  };
}

export const demoCommand: Command = {
  name: 'demo',
  flags: FLAGS,
  summary: 'run a built-in demo: the scenario scenarios/NAME.* (modswap demo --list)',
  help: () =>
    [
      'usage: modswap demo [NAME] [FLAGS]',
      '',
      `Runs the built-in scenario scenarios/NAME.json (or .yaml) and prints its timeline,`,
      `summary and expectations, as modswap run does for that file. Without NAME runs ${DEFAULT_DEMO}.`,
      '',
      'demos:',
      ...listDemos().map((d) => `  ${d.name.padEnd(20)}${d.summary}`),
      '',
      'flags:',
      flagHelp(FLAGS),
    ].join('\n'),
  async run(argv, io) {
    const { flags, positional } = parseFlags('demo', argv, FLAGS);
    if (flags.list) {
      if (flags.json) io.out(JSON.stringify(listDemos().map((d) => ({ name: d.name, summary: d.summary }))));
      else for (const d of listDemos()) io.out(`${d.name.padEnd(20)}${d.summary}`);
      return 0;
    }
    if (positional.length > 1) throw new UsageError(`demo: expected one demo name, got ${positional.length}`);
    const name = positional[0] ?? DEFAULT_DEMO;
    const found = findBuiltinScenario(name);
    if (!found) throw new UsageError(`demo: unknown demo '${name.replace(/\r?\n|\r/g, '\\n')}' (modswap demo --list)`);
    const s = withOverrides(loadScenario(found.file), flags);
    checkOutputs('demo', flags, [s.name]);
    const out = await runScenario(s, { threads: flags.threads });
    const dir = writeOutputs('demo', s, out, flags, false);
    printOutcome(io, 'demo', s, out, flags, dir);
    return out.ok ? 0 : 1;
  },
};
