/**
 * Linking a module bundle against the running kernel (Linux's
 * load_module -> simplify_symbols): the exact bytes the signature covers
 * are evaluated as one function body whose `require` hands out the kernel
 * symbol table (src/kernel, the same object this process runs on) for
 * `modswap/kernel` and refuses anything else. Each link is a fresh module
 * instance: its own classes, function identities and module-level state,
 * sharing nothing with another release's bundle but the kernel.
 *
 * Checks before any of the bundle's code runs, each an ENOEXEC with one
 * line as the kernel logs it:
 *  - the package was built against this kernel's ABI (digest and version):
 *    "ext3: disagrees about version of the kernel ABI";
 *  - every kernel symbol the bundle uses is exported: "ext3: Unknown symbol X";
 *  - the text requires nothing but the ABI (no other require, no import()).
 * This is a loader's check, not a sandbox: code the keyring's owner signed
 * is trusted to run, as in the kernel.
 */
import { runInThisContext } from 'node:vm';
import { ErrnoError } from '../../uapi/errno.ts';
import { KERNEL_ABI_SPECIFIER, KERNEL_SYMBOLS, kernelAbi } from '../kernel/abi.ts';
import { foreignRequires } from './build.ts';

export interface BundleAbi {
  version: number;
  digest: string;
  symbols: readonly string[];
}

/** Refuse a bundle built against another ABI or using a symbol the kernel lacks. */
export function checkBundleAbi(module: string, abi: BundleAbi, where: string): void {
  const k = kernelAbi();
  for (const s of abi.symbols) {
    if (!k.symbols.has(s)) throw new ErrnoError('ENOEXEC', 'init_module', where, `${module}: Unknown symbol ${s}`);
  }
  if (abi.version !== k.version || abi.digest !== k.digest) {
    throw new ErrnoError(
      'ENOEXEC', 'init_module', where,
      `${module}: disagrees about version of the kernel ABI (built against ${abi.version}/${abi.digest.slice(0, 12)}, kernel is ${k.version}/${k.digest.slice(0, 12)})`,
    );
  }
}

/**
 * Evaluate `code` (a CommonJS bundle) linked against the kernel; returns
 * its exports. `filename` names the bundle in stack traces.
 */
export function linkBundle(module: string, code: Buffer, filename: string): Record<string, unknown> {
  const text = code.toString('utf8');
  const foreign = foreignRequires(text);
  if (foreign.length > 0) throw new ErrnoError('ENOEXEC', 'init_module', filename, `${module}: requires ${foreign[0]}; a module links only against ${KERNEL_ABI_SPECIFIER}`);
  const requireKernel = (name: string): unknown => {
    if (name === KERNEL_ABI_SPECIFIER) return KERNEL_SYMBOLS;
    throw new ErrnoError('ENOEXEC', 'init_module', filename, `${module}: requires '${name}'; a module links only against ${KERNEL_ABI_SPECIFIER}`);
  };
  const mod: { exports: Record<string, unknown> } = { exports: {} };
  let fn: (exports: unknown, require: unknown, module: unknown) => void;
  try {
    fn = runInThisContext(`(function (exports, require, module) {${text}\n})`, { filename });
  } catch (e) {
    throw new ErrnoError('ENOEXEC', 'init_module', filename, `${module}: not loadable code: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    fn(mod.exports, requireKernel, mod);
  } catch (e) {
    if (e instanceof ErrnoError) throw e;
    throw new ErrnoError('ENOEXEC', 'init_module', filename, `${module}: the bundle's top level threw: ${(e as Error).message.split('\n')[0]}`);
  }
  return mod.exports;
}
