/**
 * `npm run bench`: runs every benchmark section and writes BENCHMARKS.md.
 *
 * A section is a module in bench/sections/ exporting `section: BenchSection`.
 * Sections report modelled cycles (deterministic) for mechanisms and wall
 * time (median of several runs) for the simulator itself; timed assertions
 * never go in tests. `npm run bench -- NAME...` runs only the named sections
 * and keeps the others' last results in BENCHMARKS.md.
 */
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus, totalmem } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import type { BenchSection } from './lib.ts';
import { INTERRUPT_BUDGET } from '../src/cli/main.ts';

// as every modswap process runs (src/cli/main.ts setUpProcess), so the simulator's wall times are what users get
setFlagsFromString(`--interrupt-budget=${INTERRUPT_BUDGET}`);

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const out = join(root, 'BENCHMARKS.md');

const files = readdirSync(join(here, 'sections'))
  .filter((f) => f.endsWith('.ts'))
  .sort();
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const sections: BenchSection[] = [];
for (const f of files) {
  const mod = (await import(join(here, 'sections', f))) as { section: BenchSection };
  sections.push(mod.section);
}
sections.sort((a, b) => a.order - b.order);

// Keep earlier results of sections not run this time.
const previous = new Map<string, string>();
if (existsSync(out)) {
  const text = readFileSync(out, 'utf8');
  for (const part of text.split(/^## /m).slice(1)) {
    const title = part.split('\n', 1)[0]!.trim();
    previous.set(title, '## ' + part.trimEnd() + '\n');
  }
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const machine = `${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const parts: string[] = [];
for (const s of sections) {
  if (only.length > 0 && !only.includes(s.id)) {
    const prev = previous.get(s.title);
    if (prev) parts.push(prev);
    continue;
  }
  process.stderr.write(`bench: ${s.title}...\n`);
  const t0 = performance.now();
  const body = await s.run();
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  parts.push(`## ${s.title}\n\n_Measured on ${machine}; section took ${secs} s of wall time._\n\n${body.trim()}\n`);
}
const header = `# modswap benchmarks\n\nWritten by \`npm run bench\` (bench/run.ts). Modelled cycles are deterministic and are the primary figure for mechanisms; wall-clock figures describe the simulator on the machine named in each section and are medians of several runs.\n\n`;
writeFileSync(out, header + parts.join('\n'));
process.stderr.write(`bench: wrote ${out}\n`);
