/**
 * The scenario file format of `modswap run` and `modswap demo` (JSON, or
 * YAML for .yaml/.yml), validated with zod.
 *
 * A scenario says what to build (machine, file system, quiescence
 * strategy, path), what load to put on it (an fsstress workload and an
 * optional scripted probe thread), which update to apply and when, and what
 * must hold afterwards (`expect`). Or it names a built-in demo (`demo`) and
 * only checks expectations on that demo's summary: that is how the K42
 * object demos, whose load is not a file-system workload, are expressed.
 *
 * Errors are reported one line per problem naming the field (`workload.threads:
 * expected an integer >= 1, got 0`), see `formatIssues`; the CLI exits 2.
 *
 * Format reference (every field but `name` has a default):
 *
 *   name, description, seed
 *   machine   { cpus, model: ppc970|power5, perturb: bool }
 *   fs        { type: ramfs|ext3, version: N (a shipped release), image: "fresh"|PATH, sizeMiB }
 *   path      linux | k42
 *   strategy  counter-shared | counter-percpu | stack-walk | refcount
 *   workload  { threads, opsPerThread, mix: {op: weight}, maxFileSize, maxWrite }
 *   probe     [ steps ] (Linux path): see PROBE_STEP below
 *   update    { module, to, package: DIR, keyring: DIR, at: {us}|{ops}|"probe",
 *               mode: eager|lazy, timeoutUs, tries, backoffUs, inject: FAULT_POINT }
 *   expect    { METRIC: value | "< N" | "<= N" | "> N" | ">= N" | "!= X" }
 *
 * When `update.at` is {us: N}: on the linux path N µs of simulated time after
 * boot is done (mkfs or the image read, the root mounted: about 2.2 ms for a
 * fresh 32 MiB ext3), when the workload starts; the timeline prints that
 * instant as "boot done". On the k42 path N µs from simulated time 0, but
 * not before the file service's setup is done. {ops: N} (k42): once N
 * operations have completed. "probe": when the probe runs start-update.
 * A scenario with an update and no expectation on updateOk or updateError
 * expects it to succeed (runner.ts).
 *
 * `update.package` names a package directory (what `modswap pack` writes,
 * e.g. a user's own fix) whose code the update installs instead of the
 * shipped release `to`; `update.keyring` the directory of trusted keys it is
 * checked against (default: the shipped packages/keyring). Both are
 * relative to the scenario file; parseScenario resolves them and checks
 * that the package holds a manifest for this module and release (the
 * signature and the kernel ABI are checked when the run loads it).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { EXT3_VERSIONS } from '../modules/ext3-releases.ts';
import { MANIFEST_FILE, readManifest } from '../modules/update/package.ts';
import { parse as parseYaml } from 'yaml';

export const FAULT_POINTS = ['check', 'interpose', 'quiesce', 'export', 'import', 'init', 'convert', 'redirect'] as const;
export const STRATEGIES = ['counter-shared', 'counter-percpu', 'stack-walk', 'refcount'] as const;
export const OP_KINDS = ['create', 'mkdir', 'write', 'read', 'truncate', 'link', 'symlink', 'rename', 'unlink', 'rmdir', 'stat', 'readdir', 'fsync'] as const;

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);
const path = z.string().startsWith('/');

/** One step of the probe thread (runs beside the workload, in its own task). */
export const probeStepSchema = z.discriminatedUnion('do', [
  z.object({ do: z.literal('mkdir'), path }).strict(),
  z.object({ do: z.literal('rename'), from: path, to: path }).strict(),
  /** Records check `as`: whether stat(path).nlink equals `nlink`. */
  z.object({ do: z.literal('check-nlink'), path, nlink: int(0), as: z.string().min(1) }).strict(),
  /** Open `path` for writing (created if absent), write `data`, optionally fsync, close. */
  z.object({ do: z.literal('write-file'), path, data: z.string(), fsync: z.boolean().default(false) }).strict(),
  /** Records check `as`: "ok" or the errno code of delete_module. */
  z.object({ do: z.literal('rmmod'), module: z.string().min(1), as: z.string().min(1), holdOpen: path.optional() }).strict(),
  /** The next `requests` disk requests each take `us` longer (a stalled disk). */
  z.object({ do: z.literal('disk-stall'), requests: int(1), us: z.number().positive() }).strict(),
  z.object({ do: z.literal('start-update') }).strict(),
  z.object({ do: z.literal('wait-update') }).strict(),
  z.object({ do: z.literal('log'), text: z.string() }).strict(),
]);
export type ProbeStep = z.infer<typeof probeStepSchema>;

const updateSchema = z
  .object({
    module: z.string().min(1).default('ext3'),
    /** Release to update to: any integer; the code is the shipped package of that release (packages/ext3-vN), or `package`. */
    to: int(1),
    /** A package directory (relative to the scenario file) whose code the update installs: a user's own release. */
    package: z.string().min(1).optional(),
    /** Directory of trusted .pub keys for `package` (relative to the scenario file; default: the shipped keyring). */
    keyring: z.string().min(1).optional(),
    /** When the update starts; see the header for the reference point of `us` on each path. */
    at: z.union([z.object({ us: z.number().nonnegative() }).strict(), z.object({ ops: int(0) }).strict(), z.literal('probe')]).default({ us: 2000 }),
    mode: z.enum(['eager', 'lazy']).default('eager'),
    timeoutUs: z.number().positive().optional(),
    tries: int(1, 100).optional(),
    backoffUs: z.number().nonnegative().optional(),
    /** Make the update fail at this point (ENOMEM thrown there): rollback scenarios. */
    inject: z.enum(FAULT_POINTS).optional(),
  })
  .strict();

const expectValue = z.union([z.boolean(), z.number(), z.string()]);

export const scenarioSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a lower-case name of letters, digits and dashes'),
    description: z.string().default(''),
    seed: int(0, 2 ** 32 - 1).default(1),
    /** Run a built-in demo instead of a workload (its summary fields become metrics). */
    demo: z.string().optional(),
    machine: z
      .object({ cpus: int(1, 256).default(4), model: z.enum(['ppc970', 'power5']).default('ppc970'), perturb: z.boolean().default(false) })
      .strict()
      .default({ cpus: 4, model: 'ppc970', perturb: false }),
    fs: z
      .object({
        type: z.enum(['ramfs', 'ext3']).default('ext3'),
        version: int(1).default(2),
        image: z.string().default('fresh'),
        sizeMiB: int(4, 4096).default(32),
      })
      .strict()
      .default({ type: 'ext3', version: 2, image: 'fresh', sizeMiB: 32 }),
    path: z.enum(['linux', 'k42']).default('linux'),
    strategy: z.enum(STRATEGIES).default('counter-percpu'),
    workload: z
      .object({
        threads: int(0, 4096).default(8),
        opsPerThread: int(0, 1_000_000).default(40),
        mix: z.partialRecord(z.enum(OP_KINDS), z.number().nonnegative()).optional(),
        maxFileSize: int(1).optional(),
        maxWrite: int(1).optional(),
      })
      .strict()
      .default({ threads: 8, opsPerThread: 40 }),
    probe: z.array(probeStepSchema).default([]),
    update: updateSchema.optional(),
    expect: z.record(z.string(), expectValue).default({}),
  })
  .strict()
  .superRefine((s, ctx) => {
    const at = s.update?.at;
    if (s.path === 'k42') {
      if (s.fs.type !== 'ext3') ctx.addIssue({ code: 'custom', path: ['fs', 'type'], message: 'the k42 path serves ext3 only' });
      if (s.probe.length > 0) ctx.addIssue({ code: 'custom', path: ['probe'], message: 'probe steps run on the linux path only' });
      if (at === 'probe') ctx.addIssue({ code: 'custom', path: ['update', 'at'], message: 'expected {us} or {ops} on the k42 path' });
      if (s.update && s.update.to !== s.fs.version + 1) {
        ctx.addIssue({ code: 'custom', path: ['update', 'to'], message: `expected ${s.fs.version + 1} (a K42 dynamic update goes to the next version)` });
      }
    } else {
      if (at !== undefined && at !== 'probe' && 'ops' in at) ctx.addIssue({ code: 'custom', path: ['update', 'at'], message: 'expected {us} or "probe" on the linux path' });
      if (at === 'probe' && !s.probe.some((p) => p.do === 'start-update')) {
        ctx.addIssue({ code: 'custom', path: ['update', 'at'], message: '"probe" needs a probe step {"do": "start-update"}' });
      }
      if (s.update?.mode === 'lazy') ctx.addIssue({ code: 'custom', path: ['update', 'mode'], message: 'expected eager (lazy conversion is K42 only)' });
    }
    if (s.update?.package !== undefined && s.path === 'k42') {
      ctx.addIssue({ code: 'custom', path: ['update', 'package'], message: 'a package applies on the linux path only (K42 objects run the shipped releases)' });
    }
    if (s.update?.keyring !== undefined && s.update.package === undefined) {
      ctx.addIssue({ code: 'custom', path: ['update', 'keyring'], message: 'a keyring checks update.package; name the package too' });
    }
    // versions are unbounded integers; the code of each must be a shipped release package
    const shipped = (v: number): boolean => (EXT3_VERSIONS as readonly string[]).includes(String(v));
    const have = `shipped ext3 releases: ${EXT3_VERSIONS.join(', ')}; apply your own package with the shell's update command`;
    if (s.fs.type === 'ext3' && !shipped(s.fs.version)) ctx.addIssue({ code: 'custom', path: ['fs', 'version'], message: `no package for ext3 release ${s.fs.version} (${have})` });
    if (s.update?.module === 'ext3' && s.update.package === undefined && !shipped(s.update.to)) ctx.addIssue({ code: 'custom', path: ['update', 'to'], message: `no package for ext3 release ${s.update.to} (${have})` });
    if (s.fs.type === 'ramfs' && s.update?.module === 'ext3') ctx.addIssue({ code: 'custom', path: ['update', 'module'], message: 'the root file system is ramfs; ext3 is not loaded' });
  });

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;

/** One line per problem: `field.path: message`. */
export function formatIssues(err: z.ZodError): string[] {
  return err.issues.map((i) => {
    const where = i.path.length ? i.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[') : '(top level)';
    return `${where}: ${issueText(i)}`;
  });
}

function issueText(i: z.core.$ZodIssue): string {
  if (i.code === 'unrecognized_keys') return `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `'${k}'`).join(', ')}`;
  if (i.code === 'invalid_union' && 'discriminator' in i && i.discriminator) return `expected "do" to be one of ${probeStepSchema.options.map((o) => o.shape.do.value).join(', ')}`;
  return i.message.replace(/^Invalid input: /, '').replace(/^expected int,/, 'expected an integer,');
}

export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.join('; ')}`);
    this.name = 'ScenarioError';
  }
}

/** An existing directory, relative to `base`, as an absolute path. */
function dirAt(base: string, what: string) {
  return z
    .string()
    .transform((p) => resolve(base, p))
    .superRefine((p, ctx) => {
      if (!existsSync(p) || !statSync(p).isDirectory()) ctx.addIssue({ code: 'custom', message: `${what} ${p} is not a directory` });
    });
}

/**
 * `update.package` and `update.keyring` on the file system (see the header):
 * directories relative to the scenario file, the package holding a manifest
 * that installs `to` of `module`.
 */
function packageRefSchema(base: string, module: string, to: number) {
  return z
    .object({ package: dirAt(base, 'package'), keyring: dirAt(base, 'keyring').optional() })
    .superRefine((ref, ctx) => {
      if (!existsSync(ref.package) || !statSync(ref.package).isDirectory()) return;
      if (!existsSync(join(ref.package, MANIFEST_FILE))) {
        ctx.addIssue({ code: 'custom', path: ['package'], message: `no ${MANIFEST_FILE} in ${ref.package} (a package is what modswap pack writes)` });
        return;
      }
      try {
        const m = readManifest(ref.package).manifest;
        if (m.module !== module) ctx.addIssue({ code: 'custom', path: ['package'], message: `the package is for module ${m.module}, not ${module}` });
        else if (m.toVersion !== to) ctx.addIssue({ code: 'custom', path: ['package'], message: `the package installs ${m.module} ${m.toVersion}, not ${to} (update.to)` });
      } catch (e) {
        ctx.addIssue({ code: 'custom', path: ['package'], message: e instanceof Error ? e.message : String(e) });
      }
    });
}

/** Parses and validates scenario text (JSON, or YAML for .yaml/.yml). Throws ScenarioError with one line per problem. */
export function parseScenario(text: string, file: string): Scenario {
  const yaml = /\.ya?ml$/i.test(file);
  let raw: unknown;
  try {
    raw = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    // parsers quote the text around the error, raw newlines included: keep it one line
    throw new ScenarioError(file, [`not valid ${yaml ? 'YAML' : 'JSON'}: ${(e instanceof Error ? e.message : String(e)).replace(/\r?\n|\r/g, '\\n')}`]);
  }
  const r = scenarioSchema.safeParse(raw);
  // field names come from the file and may hold newlines: one problem, one line
  if (!r.success) throw new ScenarioError(file, formatIssues(r.error).map((p) => p.replace(/\r?\n|\r/g, '\\n')));
  const u = r.data.update;
  if (u?.package === undefined) return r.data;
  const ref = packageRefSchema(dirname(resolve(file)), u.module, u.to).safeParse({ package: u.package, keyring: u.keyring });
  if (!ref.success) throw new ScenarioError(file, formatIssues(ref.error).map((p) => `update.${p}`.replace(/\r?\n|\r/g, '\\n')));
  return { ...r.data, update: { ...u, package: ref.data.package, ...(ref.data.keyring !== undefined ? { keyring: ref.data.keyring } : {}) } };
}
