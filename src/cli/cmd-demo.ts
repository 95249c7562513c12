/** `modswap demo [NAME]`: run a built-in demo and print its timeline. */
import { writeFileSync } from 'node:fs';
import { UsageError, flagHelp, parseFlags, type FlagSpecs } from './args.ts';
import type { Command } from './command.ts';
import { DEFAULT_DEMO, findDemo, listDemos } from './demos/index.ts';
import { writeReport } from './report/index.ts';

const FLAGS = {
  list: { kind: 'boolean', help: 'list the demos and exit' },
  seed: { kind: 'int', help: 'PRNG seed', default: 1, min: 0, max: 2 ** 32 - 1, arg: 'S' },
  cpus: { kind: 'int', help: 'number of CPUs (demo default if omitted)', min: 1, max: 256, arg: 'N' },
  threads: { kind: 'int', help: 'number of worker threads (demo default if omitted)', min: 1, max: 4096, arg: 'N' },
  trace: { kind: 'string', help: 'write the Chrome/Perfetto trace JSON to FILE', arg: 'FILE' },
  report: { kind: 'string', help: 'write an HTML report (index.html + trace.json) into DIR', arg: 'DIR' },
  json: { kind: 'boolean', help: 'print the summary as JSON instead of the timeline' },
} satisfies FlagSpecs;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run a built-in demo (modswap demo --list)',
  help: () =>
    [
      'usage: modswap demo [NAME] [FLAGS]',
      '',
      `Runs a built-in demo and prints its timeline and summary. Without NAME runs ${DEFAULT_DEMO}.`,
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
    const demo = findDemo(name);
    if (!demo) throw new UsageError(`demo: unknown demo '${name}' (modswap demo --list)`);
    const r = await demo.run({ seed: flags.seed ?? 1, cpus: flags.cpus, threads: flags.threads });
    if (flags.trace) writeFileSync(flags.trace, JSON.stringify(r.trace));
    if (flags.report) writeReport(flags.report, { title: `modswap demo ${name}`, subtitle: demo.summary, trace: r.trace, summary: { ok: r.ok, ...r.summary } });
    if (flags.json) io.out(JSON.stringify({ demo: name, ok: r.ok, ...r.summary }));
    else {
      io.out(`== modswap demo ${name} (seed ${flags.seed})\n`);
      io.out(r.text);
      if (flags.trace) io.out(`trace written to ${flags.trace} (open it in https://ui.perfetto.dev)`);
      if (flags.report) io.out(`report written to ${flags.report}/index.html`);
    }
    return r.ok ? 0 : 1;
  },
};
