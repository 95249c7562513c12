/**
 * CLI startup: wall time of `modswap --help` as a user runs it, installed
 * from the npm tarball (`npm pack`, then `npm install -g --prefix` into an
 * empty temporary prefix), beside a bare `node -e 0` measured in the same
 * run, interleaved so that both see the same machine load. Median of 5.
 * The aim (issue 15): within 0.3 s, or within 3x a bare node start.
 *
 * Also shown, for scale: a command that loads its module (`demo --list`),
 * bin/modswap in this checkout on the built JavaScript, and the same on the
 * TypeScript sources through tsx (MODSWAP_DEV=1), which is what every start
 * cost before the build existed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, median, table, type BenchSection } from '../lib.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUNS = 5;

interface Probe {
  label: string;
  argv: string[];
  env?: Record<string, string>;
}

/** Wall milliseconds of one run; throws if the command fails. */
function once(p: Probe): number {
  const t0 = performance.now();
  const r = spawnSync(p.argv[0]!, p.argv.slice(1), { cwd: tmpdir(), env: { ...process.env, ...p.env }, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${p.label}: exit ${r.status}: ${(r.stderr || r.stdout).split('\n')[0]}`);
  return ms;
}

function sh(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr.trim().split('\n').pop()}`);
  return r.stdout;
}

export const section: BenchSection = {
  id: 'cli',
  title: 'CLI',
  order: 60,
  run() {
    const work = mkdtempSync(join(tmpdir(), 'modswap-bench-cli-'));
    try {
      // the tarball (npm pack runs `prepare`, i.e. the build) installed into an empty prefix
      sh('npm', ['pack', '--silent', '--pack-destination', work], ROOT);
      const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'))!;
      const prefix = join(work, 'prefix');
      sh('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(work, tgz)], work);
      const installed = join(prefix, 'bin', 'modswap');
      const probes: Probe[] = [
        { label: '`node -e 0` (bare node start)', argv: [process.execPath, '-e', '0'] },
        { label: 'installed `modswap --help`', argv: [installed, '--help'] },
        { label: 'installed `modswap demo --list`', argv: [installed, 'demo', '--list'] },
        { label: 'checkout `bin/modswap --help` (built JS)', argv: [join(ROOT, 'bin', 'modswap'), '--help'] },
        { label: 'checkout `bin/modswap --help` through tsx (MODSWAP_DEV=1)', argv: [join(ROOT, 'bin', 'modswap'), '--help'], env: { MODSWAP_DEV: '1' } },
      ];
      for (const p of probes) once(p); // warm the file cache
      const times = probes.map(() => [] as number[]);
      for (let i = 0; i < RUNS; i++) probes.forEach((p, j) => times[j]!.push(once(p)));
      const med = times.map((t) => median(t));
      const bare = med[0]!;
      const help = med[1]!;
      const rows = probes.map((p, j) => [p.label, fmt(med[j]!), j === 0 ? '1.0x' : `${fmt(med[j]! / bare, 1)}x`]);
      const met = help <= 300 || help <= 3 * bare;
      const load = loadavg()[0]!;
      return [
        `Wall time of one start, median of ${RUNS} runs, interleaved (installed = \`npm pack\` then \`npm install -g --prefix\` into an empty temporary prefix). Load average at the end: ${fmt(load, 1)} on ${cpus().length} cores; under load the absolute times grow and the ratio to a bare node start is the figure to read.`,
        '',
        table(['command', 'wall ms', 'vs node -e 0'], rows),
        '',
        `\`modswap --help\` as installed: ${fmt(help)} ms, ${fmt(help / bare, 1)}x a bare node start (aim: within 300 ms or within 3x): ${met ? 'met' : 'NOT met'}.`,
        'The top-level help loads only dist/modswap.js (the command table); each command\'s module, and zod, yaml and the model with it, loads when that command runs.',
      ].join('\n');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
};
