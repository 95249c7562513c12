/**
 * Building a module's code into one self-contained bundle (what `make`
 * does for ext3.ko): esbuild bundles the release's entry point and every
 * source file it reaches, leaving out only the kernel ABI (`modswap/kernel`),
 * which the loader links at load time (link.ts).
 *
 * Reproducible: the same sources give the same bytes, wherever the tree is
 * (paths in the bundle are relative to `root`, no timestamps, no source
 * maps, one esbuild version pinned in package.json). A module that imports
 * anything but the kernel ABI and its own relative files is refused here,
 * and again by the loader (a bundle can be written by hand).
 */
import { buildSync } from 'esbuild';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { KERNEL_ABI_SPECIFIER } from '../kernel/abi.ts';

export interface BuiltBundle {
  code: Buffer;
  /** Kernel symbols the code uses, sorted (recorded in the manifest, checked at load). */
  kernelSymbols: string[];
}

/** The bundle's uses of the kernel symbol table: `import_kernel.NAME` in esbuild's output. */
export function kernelSymbolsUsed(code: string): string[] {
  const names = new Set<string>();
  for (const m of code.matchAll(/\bimport_kernel\d*\.([A-Za-z_$][\w$]*)/g)) names.add(m[1]!);
  return [...names].sort();
}

/** Every `require("X")` and dynamic `import(` in a bundle's text (the loader refuses all but the ABI). */
export function foreignRequires(code: string): string[] {
  const out: string[] = [];
  for (const m of code.matchAll(/\brequire\s*\(\s*(["'`])([^"'`]*)\1\s*\)/g)) if (m[2] !== KERNEL_ABI_SPECIFIER) out.push(m[2]!);
  for (const m of code.matchAll(/\brequire\s*\(\s*[^"'`\s)]/g)) out.push(`a computed name (${m[0]}...)`);
  if (/\bimport\s*\(/.test(code)) out.push('a dynamic import()');
  return out;
}

/**
 * Bundle the module whose entry point is `entry`. `root` is the module's
 * source tree (default: the entry's grandparent, e.g. modules-src/ext3 for
 * modules-src/ext3/v2/index.ts). Throws Error with a one-line message.
 */
export function buildModuleBundle(entry: string, root = dirname(dirname(resolve(entry)))): BuiltBundle {
  const abs = resolve(entry);
  let result;
  try {
    result = buildSync({
      entryPoints: [relative(root, abs)],
      absWorkingDir: resolve(root),
      bundle: true,
      format: 'cjs',
      platform: 'neutral',
      target: 'es2022',
      mainFields: [],
      write: false,
      sourcemap: false,
      legalComments: 'none',
      charset: 'utf8',
      // fixed compiler options: no tsconfig.json around the source tree changes the output
      tsconfigRaw: { compilerOptions: { strict: true, verbatimModuleSyntax: true, useDefineForClassFields: true } },
      logLevel: 'silent',
      // every bare specifier stays a require() in the output, where the check below refuses it
      packages: 'external',
      metafile: true,
    });
  } catch (e) {
    const errs = (e as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
    const first = errs?.[0];
    if (first) throw new Error(`${first.location ? `${first.location.file}:${first.location.line}: ` : ''}${first.text}`);
    throw new Error(`cannot build ${entry}: ${(e as Error).message.split('\n')[0]}`);
  }
  const out = result.outputFiles[0];
  if (!out) throw new Error(`cannot build ${entry}: esbuild produced no output`);
  const text = out.text;
  for (const input of Object.keys(result.metafile?.inputs ?? {})) {
    if (input.startsWith('..') || isAbsolute(input)) throw new Error(`${entry}: imports ${input}, outside the module source tree ${root}`);
  }
  const foreign = foreignRequires(text);
  if (foreign.length > 0) throw new Error(`${entry}: the bundle requires ${foreign[0]}: a module may import only ${KERNEL_ABI_SPECIFIER}`);
  return { code: Buffer.from(out.contents), kernelSymbols: kernelSymbolsUsed(text) };
}
