/**
 * Loading a package's code (insmod's half on the host): verify the package
 * against the keyring (manifest schema, signature, bundle hash), check the
 * kernel ABI it was built against, then link the very bytes that were
 * hashed against the running kernel (link.ts) and check they export a
 * module definition. Synchronous, so boot can insmod the root file
 * system's module; `loadPackage` keeps the asynchronous shape callers use
 * before a simulation runs. A failure is kept and reported by the update's
 * `check` phase (EKEYREJECTED, ENOEXEC, EINVAL, ENOENT).
 */
import { ErrnoError } from '../../uapi/errno.ts';
import type { ModuleDefinition } from '../core/module.ts';
import type { Keyring } from './keyring.ts';
import type { Manifest } from './manifest.ts';
import { verifyPackage } from './package.ts';
import { checkBundleAbi, linkBundle } from './link.ts';

export type LoadedPackage =
  | { ok: true; path: string; def: ModuleDefinition; manifest: Manifest; signer: string; exports: Record<string, unknown> }
  | { ok: false; path: string; error: ErrnoError };

function isDefinition(x: unknown): x is ModuleDefinition {
  const d = x as ModuleDefinition | null;
  return !!d && typeof d === 'object' && typeof d.name === 'string' && typeof d.version === 'string' && typeof d.instantiate === 'function' && Array.isArray(d.depends);
}

/** Verify, check and link a package; throws ErrnoError. */
export function loadPackageSync(path: string, keyring: Keyring | null): Extract<LoadedPackage, { ok: true }> {
  if (!keyring) throw new ErrnoError('EKEYREJECTED', 'update', path, 'no keyring to check the signature against (--keyring DIR)');
  const v = verifyPackage(path, keyring);
  checkBundleAbi(v.manifest.module, v.manifest.kernelAbi, v.codePath);
  const exports = linkBundle(v.manifest.module, v.code, v.codePath);
  const def = exports['default'] ?? exports['module'];
  if (!isDefinition(def)) throw new ErrnoError('ENOEXEC', 'update', v.codePath, 'the package code does not export a module definition (default export)');
  if (def.name !== v.manifest.module) throw new ErrnoError('EINVAL', 'update', path, `manifest is for ${v.manifest.module} but the code defines ${def.name}`);
  if (def.version !== String(v.manifest.toVersion)) throw new ErrnoError('EINVAL', 'update', path, `manifest installs version ${v.manifest.toVersion} but the code is version ${def.version}`);
  return { ok: true, path, def, manifest: v.manifest, signer: v.signer, exports };
}

export async function loadPackage(path: string, keyring: Keyring | null): Promise<LoadedPackage> {
  try {
    return loadPackageSync(path, keyring);
  } catch (e) {
    if (e instanceof ErrnoError) return { ok: false, path, error: e };
    throw e;
  }
}
