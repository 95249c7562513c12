/**
 * Update packages: a manifest beside a module's built bundle.
 *
 * The manifest names the module, the version it updates from (0: a base
 * release, loaded at boot, updating nothing) and to, the earlier updates it
 * requires, the state formats the new code can import, the kernel ABI the
 * bundle was built against (version, digest, the kernel symbols it uses),
 * the sha256 of the bundle and an Ed25519 signature over everything else
 * (canonical JSON, keys sorted), so the signature covers the code's bytes. Validation is with zod; every problem is a
 * one-line message naming the field.
 */
import { z } from 'zod';

export const MANIFEST_VERSION = 2;

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');
const moduleName = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'expected a module name like ext3');

export const ManifestSchema = z
  .object({
    manifestVersion: z.literal(MANIFEST_VERSION),
    module: moduleName,
    fromVersion: z.number().int().min(0),
    toVersion: z.number().int().min(1),
    /** Ids (`module@from->to`) of updates that must have been applied first. */
    requires: z.array(z.string().min(1)).default([]),
    /** State formats the new code imports, best first (negotiated in `check`). */
    stateFormats: z.array(z.string().regex(/^[a-z0-9-]+@\d+$/, 'expected NAME@VERSION')).min(1),
    /** The kernel ABI the bundle was linked for (src/kernel/abi.ts). */
    kernelAbi: z.object({
      version: z.number().int().min(1),
      digest: hex64,
      symbols: z.array(z.string().regex(/^[A-Za-z_$][\w$]*$/, 'expected a symbol name')),
    }).strict(),
    /** The bundle, relative to the manifest. */
    code: z.object({
      file: z.string().min(1).refine((f) => !f.includes('..') && !f.startsWith('/'), 'must be a relative path inside the package'),
      sha256: hex64,
    }),
    description: z.string().max(500).optional(),
    signature: z
      .object({
        algorithm: z.literal('ed25519'),
        keyId: z.string().regex(/^[0-9a-f]{16}$/, 'expected 16 hex digits'),
        value: z.string().regex(/^[A-Za-z0-9+/]+=*$/, 'expected base64'),
      })
      .optional(),
  })
  .strict();

export type Manifest = z.infer<typeof ManifestSchema>;

export function updateId(m: Pick<Manifest, 'module' | 'fromVersion' | 'toVersion'>): string {
  return `${m.module}@${m.fromVersion}->${m.toVersion}`;
}

/** Parse and validate manifest JSON text; throws Error with a one-line message. */
export function parseManifest(text: string, source = 'manifest'): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const r = ManifestSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    // key names in zod's message come from the file and may hold newlines: keep one line
    throw new Error(`${source}: field ${where}: ${issue.message}`.replace(/\r?\n|\r/g, '\\n'));
  }
  return r.data;
}

/** Deterministic JSON: object keys sorted at every level. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The bytes a signature covers: the manifest without its signature. */
export function signedBytes(m: Manifest): Buffer {
  const { signature: _omit, ...rest } = m;
  return Buffer.from(canonicalJson(rest), 'utf8');
}
