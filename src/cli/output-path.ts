/**
 * Output paths given on the command line (`--trace FILE`, `--report DIR`,
 * `fuzz --report FILE`...), checked before any simulation starts, so that a
 * path that cannot be written fails at once with one line and exit 2
 * (UsageError), not with "internal error: EISDIR" after a long run.
 *
 * The checks really try: a file is opened for writing (and removed again
 * if it did not exist), a directory is created and a scratch file written
 * into it. Directories are created one component at a time: node's
 * `mkdirSync(p, { recursive: true })` never returns for a path under /proc
 * (it retries ENOENT forever), which is how `--report /proc/x` used to hang.
 */
import { closeSync, mkdirSync, openSync, rmdirSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from './args.ts';

function stat(p: string): Stats | null {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}

function why(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err && typeof err.code === 'string' ? err.code : String(e).split('\n')[0]!;
}

function fail(cmd: string, flag: string, path: string, text: string): never {
  throw new UsageError(`${cmd}: --${flag} ${path.replace(/\r?\n|\r/g, '\\n')}: ${text}`);
}

/** FILE can be written: not a directory, its directory exists, and opening it for writing works. */
export function checkOutputFile(cmd: string, flag: string, path: string): void {
  if (path === '') fail(cmd, flag, path, 'empty path');
  const st = stat(path);
  if (st?.isDirectory()) fail(cmd, flag, path, 'is a directory (expected a file name)');
  if (st) {
    try {
      closeSync(openSync(path, 'r+'));
    } catch (e) {
      fail(cmd, flag, path, `cannot write: ${why(e)}`);
    }
    return;
  }
  const parent = stat(dirname(resolve(path)));
  if (!parent) fail(cmd, flag, path, `directory ${dirname(path)} does not exist`);
  if (!parent.isDirectory()) fail(cmd, flag, path, `${dirname(path)} is not a directory`);
  try {
    closeSync(openSync(path, 'wx'));
  } catch (e) {
    fail(cmd, flag, path, `cannot create: ${why(e)}`);
  }
  unlinkSync(path);
}

/**
 * DIR exists or is created (with missing parents), is a directory, and a
 * file can be written in it; `files` named inside it must not be
 * directories. On failure nothing this call created is left behind.
 */
export function prepareOutputDir(cmd: string, flag: string, dir: string, files: readonly string[] = []): void {
  if (dir === '') fail(cmd, flag, dir, 'empty path');
  const created: string[] = [];
  const undo = (): void => {
    for (const d of created.reverse()) {
      try {
        rmdirSync(d);
      } catch {
        // not empty or gone: leave it
      }
    }
  };
  const st = stat(dir);
  if (st && !st.isDirectory()) fail(cmd, flag, dir, 'exists and is not a directory');
  if (!st) {
    const missing: string[] = [];
    let p = resolve(dir);
    while (!stat(p)) {
      missing.push(p);
      const up = dirname(p);
      if (up === p) break;
      p = up;
    }
    const top = stat(p);
    if (top && !top.isDirectory()) fail(cmd, flag, dir, `${p} is not a directory`);
    for (const m of missing.reverse()) {
      try {
        mkdirSync(m);
        created.push(m);
      } catch (e) {
        undo();
        fail(cmd, flag, dir, `cannot create directory ${m}: ${why(e)}`);
      }
    }
  }
  for (const f of files) {
    if (stat(join(dir, f))?.isDirectory()) {
      undo();
      fail(cmd, flag, dir, `${join(dir, f)} is a directory`);
    }
  }
  const probe = join(dir, `.modswap-write-test-${process.pid}`);
  try {
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
  } catch (e) {
    undo();
    fail(cmd, flag, dir, `cannot write in it: ${why(e)}`);
  }
}
