#!/usr/bin/env node
/**
 * `npm run build` (also run by `prepare`, so by `npm install` in a checkout and
 * by `npm pack`): compile the CLI to plain JavaScript in dist/ with esbuild.
 *
 * One ES-module build from src/cli/main.ts, split into chunks so that each
 * command's code (commands.ts imports them lazily) loads only when that
 * command runs. The runtime dependencies (zod, yaml, immer, and anything
 * else in package.json "dependencies") stay external and are resolved from
 * node_modules, as npm installs them. No type checking here: `npm run
 * typecheck` does that. Plain JavaScript so that it needs no tsx.
 *
 * The build is written to a temporary directory and renamed over dist/, so a
 * concurrent reader never sees half a build.
 */
import { build } from 'esbuild';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
const tmp = join(root, `dist.tmp-${process.pid}`);

try {
  await build({
    absWorkingDir: root,
    entryPoints: { modswap: 'src/cli/main.ts' },
    outdir: tmp,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    chunkNames: 'chunks/[name]-[hash]',
    legalComments: 'none',
    logLevel: 'warning',
  });
  const old = join(root, `dist.old-${process.pid}`);
  if (existsSync(out)) renameSync(out, old);
  renameSync(tmp, out);
  rmSync(old, { recursive: true, force: true });
} catch (e) {
  rmSync(tmp, { recursive: true, force: true });
  process.stderr.write(`build: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`);
  process.exit(1);
}
