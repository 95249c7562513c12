/**
 * The directory of the modswap package (the one holding its package.json),
 * found by walking up from this file: the same answer whether the CLI runs
 * from the TypeScript sources (src/cli) or from a built bundle, whose depth
 * under the package differs. Built-in data (scenarios/, packages/) is found
 * from here, never from the working directory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

export function packageRoot(): string {
  if (cached !== null) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: unknown }).name === 'modswap') return (cached = dir);
      } catch {
        // not a readable package.json: keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the modswap package directory (no package.json named modswap above the CLI)');
    dir = up;
  }
}
