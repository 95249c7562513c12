/**
 * The kernel ABI's identity (Linux's modversions + vermagic analogue).
 *
 * The digest is sha256 over the declared version and one line per exported
 * symbol, `NAME KIND`, sorted by name, where KIND is what the symbol is at
 * run time: 'class', 'generator' (a function a caller must `yield*`),
 * 'function', 'object' or a primitive's typeof. Names and kinds are the part
 * of a symbol's signature the running process can see identically under tsx
 * and in a built bundle (function source text and arity are not stable
 * across builds); what types alone express is covered by the declared
 * version, bumped by hand (abi-version.ts). A package records the digest it
 * was built against and the symbols its code uses; the loader refuses a
 * package whose digest differs (ENOEXEC, "disagrees about version of ...")
 * or that uses a symbol the kernel does not export ("Unknown symbol").
 */
import { createHash } from 'node:crypto';
import * as kernel from './index.ts';

/** The running kernel's symbol table: the object every module bundle is linked against. */
export const KERNEL_SYMBOLS: Readonly<Record<string, unknown>> = kernel;

/** The specifier a module imports the ABI by. */
export const KERNEL_ABI_SPECIFIER = 'modswap/kernel';

export function symbolKind(v: unknown): string {
  if (typeof v !== 'function') return v === null ? 'null' : typeof v;
  const tag = Object.prototype.toString.call(v);
  if (tag === '[object GeneratorFunction]') return 'generator';
  if (/^class[\s{]/.test(Function.prototype.toString.call(v))) return 'class';
  return 'function';
}

export interface KernelAbi {
  version: number;
  digest: string;
  /** name -> kind */
  symbols: ReadonlyMap<string, string>;
}

let cached: KernelAbi | null = null;

/** The running kernel's ABI (computed once). */
export function kernelAbi(): KernelAbi {
  if (cached) return cached;
  const symbols = new Map<string, string>();
  for (const name of Object.keys(KERNEL_SYMBOLS).sort()) symbols.set(name, symbolKind(KERNEL_SYMBOLS[name]));
  const h = createHash('sha256').update(`modswap-kernel-abi ${kernel.KERNEL_ABI_VERSION}\n`);
  for (const [name, kind] of symbols) h.update(`${name} ${kind}\n`);
  cached = { version: kernel.KERNEL_ABI_VERSION, digest: h.digest('hex'), symbols };
  return cached;
}
