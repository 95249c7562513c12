/**
 * Where the modswap installation lives, for files the CLI ships beside its
 * code (the example packages and their keyring, bin/modswap).
 *
 * The same source runs from two places: src/cli/ under tsx in a checkout, and
 * dist/ (one esbuild build, split into chunks) in a checkout or an npm
 * install. So the root is found by walking up from this file to the first
 * directory holding a package.json, never by a fixed number of `..`.
 */
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The directory holding modswap's package.json (a checkout or node_modules/modswap). */
export function installRoot(): string {
  if (root !== undefined) return root;
  const start = dirname(realpathSync(fileURLToPath(import.meta.url)));
  for (let d = start; ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return (root = d);
    if (dirname(d) === d) throw new Error(`modswap: no package.json above ${start}`);
  }
}

/** A path inside the installation, e.g. `installPath('packages', 'keyring')`. */
export function installPath(...parts: string[]): string {
  return join(installRoot(), ...parts);
}

/** The example packages' keyring, shipped with modswap. */
export function defaultKeyring(): string {
  return installPath('packages', 'keyring');
}

/**
 * How to start another `modswap` process running this same program: node's
 * own flags (tsx's loader when running from source) and the entry script
 * when this process is the CLI, else bin/modswap. Returns node's argv
 * without `process.execPath`.
 */
export function selfCommand(): string[] {
  const entry = process.argv[1] ?? '';
  if (/(?:^|[/\\])(?:bin[/\\]modswap|dist[/\\]modswap\.js|src[/\\]cli[/\\]main\.ts)$/.test(entry)) return [...process.execArgv, entry];
  return [installPath('bin', 'modswap')];
}
