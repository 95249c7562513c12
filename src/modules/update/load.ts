/**
 * Loading an update package's code on the host: verify the package against
 * the keyring (manifest, signature, code hash), then `import()` the code file
 * and check it exports a module definition. Asynchronous, so callers do it
 * before the simulation runs (as a kernel reads a module file off disk before
 * init_module); a failure is kept and reported by the update's `check` phase.
 */
import { pathToFileURL } from 'node:url';
import { ErrnoError } from '../../uapi/errno.ts';
import type { ModuleDefinition } from '../core/module.ts';
import type { Keyring } from './keyring.ts';
import type { Manifest } from './manifest.ts';
import { verifyPackage } from './package.ts';

export type LoadedPackage =
  | { ok: true; path: string; def: ModuleDefinition; manifest: Manifest; signer: string }
  | { ok: false; path: string; error: ErrnoError };

function isDefinition(x: unknown): x is ModuleDefinition {
  const d = x as ModuleDefinition | null;
  return !!d && typeof d === 'object' && typeof d.name === 'string' && typeof d.version === 'string' && typeof d.instantiate === 'function' && Array.isArray(d.depends);
}

/**
 * Why importing the code failed, on one line. A compiler's message puts its
 * cause on the lines after a header ("Transform failed with 1 error:\n
 * FILE:LINE:COL: ERROR: ..."), so the first few non-empty lines are joined,
 * not just the first.
 */
function loadFailure(e: unknown): string {
  const lines = (e instanceof Error ? e.message : String(e))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const text = lines.slice(0, 3).join(' ');
  return text.length > 300 ? text.slice(0, 297) + '...' : text;
}

export async function loadPackage(path: string, keyring: Keyring | null): Promise<LoadedPackage> {
  try {
    if (!keyring) throw new ErrnoError('EKEYREJECTED', 'update', path, 'no keyring to check the signature against (--keyring DIR)');
    const v = verifyPackage(path, keyring);
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(v.codePath).href)) as Record<string, unknown>;
    } catch (e) {
      throw new ErrnoError('ENOEXEC', 'update', v.codePath, `cannot load the package code: ${loadFailure(e)}`);
    }
    const def = mod['default'] ?? mod['module'];
    if (!isDefinition(def)) throw new ErrnoError('ENOEXEC', 'update', v.codePath, 'the package code does not export a module definition (default export)');
    if (def.name !== v.manifest.module) throw new ErrnoError('EINVAL', 'update', path, `manifest is for ${v.manifest.module} but the code defines ${def.name}`);
    return { ok: true, path, def, manifest: v.manifest, signer: v.signer };
  } catch (e) {
    if (e instanceof ErrnoError) return { ok: false, path, error: e };
    throw e;
  }
}
