/**
 * `modswap shell` in script and pipe modes is pinned byte for byte: the
 * files in tests/cli/pinned/ hold what the command printed (stdout, stderr,
 * exit status) before the interactive mode existed, for a script that
 * exercises every kind of line (comments, blanks, TEXT escapes, streamed
 * `cat` output without a final newline, errors, unknown commands, bad
 * arguments, background jobs), in text and --json, from standard input and
 * from --script FILE, on ramfs and on ext3. The real process runs
 * (bin/modswap), so the bytes are what a pipe receives.
 *
 * A deliberate change of a command's output: regenerate with
 * `PIN_UPDATE=1 npx vitest run tests/cli/shell-pinned.test.ts` and review
 * the diff.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const DIR = join(ROOT, 'tests', 'cli', 'pinned');
const SCRIPT = join(DIR, 'vfs.msh');

function run(args: string[], stdin: string): string {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'modswap'), 'shell', ...args], { cwd: ROOT, input: stdin, encoding: 'utf8', timeout: 60_000 });
  return `exit ${r.status}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

function pinned(name: string, got: string): void {
  const file = join(DIR, name);
  if (process.env['PIN_UPDATE'] === '1') writeFileSync(file, got);
  expect(got).toBe(readFileSync(file, 'utf8'));
}

describe('modswap shell: script and pipe output are pinned', () => {
  const script = readFileSync(SCRIPT, 'utf8');

  it.each<[string, string[]]>([
    ['vfs.ramfs.out', []],
    ['vfs.ramfs.json.out', ['--json']],
    ['vfs.ext3.out', ['--fs', 'ext3', '--ext3-version', '1', '--cpus', '4']],
  ])('%s: from standard input and from --script FILE', (name, flags) => {
    const piped = run(flags, script);
    pinned(name, piped);
    expect(run([...flags, '--script', SCRIPT], '')).toBe(piped);
  });
});
