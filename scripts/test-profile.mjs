#!/usr/bin/env node
/**
 * `node scripts/test-profile.mjs FILE [N] [--write]`: the per-file CPU profile of
 * a test run made with `MODSWAP_TEST_PROFILE=FILE npx vitest run`
 * (tests/setup/profile.ts appends one JSON line per test file). Prints the
 * totals and the N (default 15) most expensive files by CPU seconds: their
 * own process's CPU (`self`), that of the child processes they waited for
 * (`children`: e2fsck, mke2fs, CLI subprocesses) and their wall time.
 * `--write` also records every file's CPU seconds in
 * tests/setup/file-costs.json, the order the suite starts files in
 * (tests/setup/sequencer.ts). docs/testing.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const write = args.includes('--write');
const [file, n = '15'] = args.filter((a) => a !== '--write');
if (!file) {
  process.stderr.write('usage: node scripts/test-profile.mjs PROFILE.jsonl [N] [--write]\n');
  process.exit(2);
}
const rows = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
for (const r of rows) r.cpu = r.self + r.children;
rows.sort((a, b) => b.cpu - a.cpu);
const sum = (k) => rows.reduce((s, r) => s + r[k], 0);
const f = (x) => x.toFixed(1).padStart(7);
console.log(`${rows.length} files: CPU ${sum('cpu').toFixed(1)} s (self ${sum('self').toFixed(1)} s, children ${sum('children').toFixed(1)} s), wall summed over files ${sum('wall').toFixed(1)} s`);
console.log(`${'cpu s'.padStart(7)}${'self'.padStart(7)}${'child'.padStart(7)}${'wall s'.padStart(7)}  file`);
for (const r of rows.slice(0, Number(n))) console.log(`${f(r.cpu)}${f(r.self)}${f(r.children)}${f(r.wall)}  ${r.file}`);

if (write) {
  const costs = Object.fromEntries(rows.map((r) => [r.file, Math.round(r.cpu * 10) / 10]));
  const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'tests', 'setup', 'file-costs.json');
  writeFileSync(out, JSON.stringify(costs, null, 1) + '\n');
  console.log(`wrote ${out}`);
}
