/**
 * Hostile text inputs: update manifests, scenario files and `modswap` argv,
 * random or mutated from real ones, seeded (each trial is a function of its
 * seed). The rule for all three is the same: a bad input gets an error of
 * one line (no stack trace, no echo of raw newlines from the input), a
 * good one is accepted, and nothing throws anything else.
 *
 *   manifestTrial   parseManifest on random JSON or a mutated signed manifest
 *   scenarioTrial   parseScenario on random JSON or a mutated scenario
 *   argvTrial       main(argv) with at least one bad flag: exit 2, one line
 */
import { Prng } from '../sim/prng.ts';
import { parseManifest } from '../modules/update/manifest.ts';
import { parseScenario, ScenarioError } from '../system/scenario.ts';
import { oneLine } from './linux-case.ts';

/**
 * The console `modswap`'s main writes to (src/cli/command.ts's CliIO, restated
 * by shape: the CLI sits above this layer and passes its main in).
 */
export interface ArgvTrialIO {
  out(text: string): void;
  err(text: string): void;
  readStdin(): Promise<string>;
  readonly isTTY: boolean;
}

export interface TextTrial {
  kind: 'manifest' | 'scenario' | 'argv';
  accepted: boolean;
  message: string;
  violation: string | null;
  input: string;
}

/** A real signed manifest (packages/ext3-v3) to mutate. */
export const REAL_MANIFEST = {
  manifestVersion: 2,
  module: 'ext3',
  fromVersion: 2,
  toVersion: 3,
  requires: [],
  stateFormats: ['ext3-state@3', 'ext3-state@2'],
  kernelAbi: {
    version: 2,
    digest: '085b0543fa3a8ef10e18394589d8154393a9493d5c050d6391d8e55460cec656',
    symbols: ['ATTR_ATIME', 'ATTR_CTIME', 'ATTR_GID', 'ATTR_MODE', 'ATTR_MTIME', 'ATTR_SIZE', 'ATTR_UID', 'BufferCache', 'COST', 'DT_DIR', 'DT_LNK', 'DT_REG', 'DT_UNKNOWN', 'EXT2_FT_DIR', 'EXT2_INDEX_FL', 'EXT2_LINK_MAX', 'EXT2_NAME_LEN', 'EXT2_ROOT_INO', 'EXT2_STATE_FORMAT', 'Ext2Fs', 'Ext2InodeInfo', 'FMODE_WRITE', 'FS_REQUIRES_DEV', 'Inode', 'MS_RDONLY', 'NAME_MAX', 'SUPERBLOCK_OFFSET', 'S_IFDIR', 'S_IFLNK', 'S_IFMT', 'S_IFREG', 'S_ISDIR', 'S_ISGID', 'S_ISLNK', 'alloc_super', 'bmapCreate', 'bmapLookup', 'checkMagic', 'claim_bdev', 'clearBit', 'd_add', 'd_instantiate', 'd_make_root', 'decodeSuperBlock', 'deleteDirEntry', 'emptyDirBlock', 'errno', 'exportState', 'exportTables', 'fileTypeOfMode', 'findFirstZero', 'generic_file_llseek', 'generic_shutdown_super', 'generic_write_checks', 'groupBlockCount', 'groupFirstBlock', 'hasBlockMap', 'ihold', 'importState', 'initDirBlock', 'inodeInfoFromJSON', 'inodeInfoToJSON', 'insertDirEntry', 'isErrno', 'isFastSymlink', 'le32', 'maxFileSize', 'nameBytes', 'nameString', 'namesEqual', 'newDiskInode', 'parseDirBlock', 'put32', 'register_filesystem', 'release_bdev', 'setBit', 'setDirEntryInode', 'simLocking', 'simple_setattr_copy', 'super_blocks_by_id', 'testBit', 'truncateBlocks', 'unregister_filesystem', 'yieldCpu', 'z'],
  },
  code: {'file': 'ext3.ko.js', 'sha256': 'e1c2d63b873fd82bab88c8bc61b4d7eab09a6f0c5e5303645e9fad1042c66253'},
  description: 'ext3 3: per-inode block reservation windows',
  signature: {'algorithm': 'ed25519', 'keyId': '209777f825e79a2b', 'value': 'nFFQzjOKV2ydKQvkGb1wLjh2wV7IZMxUmJMbPoApe3Da6ZvgqdkeRIy56MHlZylvhZkEuWejdxuCKv8Zku2rBw=='},
};

/** A real scenario (scenarios/rollback.json) to mutate. */
export const REAL_SCENARIO = {
  name: 'rollback',
  seed: 1,
  machine: { cpus: 4 },
  fs: { type: 'ext3', version: 1 },
  strategy: 'counter-shared',
  workload: { threads: 8, opsPerThread: 40, mix: { rename: 0 } },
  update: { module: 'ext3', to: 2, at: { us: 2000 }, inject: 'import' },
  expect: { updateOk: false, updateError: 'ENOMEM' },
};

const WEIRD = ['', ' ', '\n', 'a\nb', '"', '\\', '\u0000', 'é', '😀', '..', '../../etc/passwd', '/abs', '-1', '1e309', 'NaN', 'null', '{', '}', '[', ']', ',', ':', 'x'.repeat(600)];

export function randomJson(rng: Prng, depth = 0): unknown {
  const r = rng.int(depth > 3 ? 5 : 8);
  switch (r) {
    case 0: return null;
    case 1: return rng.chance(0.5);
    case 2: return rng.pick([0, -1, 1, 2, 3, 1.5, 1e309, -0, 2 ** 53, Number.MAX_SAFE_INTEGER + 2]);
    case 3: return rng.pick(WEIRD);
    case 4: return rng.nextU32().toString(16);
    case 5: return Array.from({ length: rng.int(4) }, () => randomJson(rng, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = rng.int(4); i > 0; i--) o[rng.chance(0.5) ? rng.pick(WEIRD) : rng.pick(['module', 'code', 'signature', 'fs', 'update', 'machine', 'workload'])] = randomJson(rng, depth + 1);
      return o;
    }
  }
}

/** Mutate a JSON document: structurally (a field set, deleted or added) and/or as text (bytes cut, inserted, changed). */
export function mutateJson(rng: Prng, doc: unknown): string {
  const copy = JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
  for (let n = 1 + rng.int(3); n > 0; n--) {
    // walk to a random object inside
    let o: Record<string, unknown> = copy;
    for (let d = rng.int(3); d > 0; d--) {
      const subs = Object.keys(o).filter((k) => o[k] !== null && typeof o[k] === 'object' && !Array.isArray(o[k]));
      if (subs.length === 0) break;
      o = o[rng.pick(subs.sort())] as Record<string, unknown>;
    }
    const keys = Object.keys(o).sort();
    const op = rng.int(3);
    if (op === 0 && keys.length > 0) delete o[rng.pick(keys)];
    else if (op === 1 && keys.length > 0) o[rng.pick(keys)] = randomJson(rng, 2);
    else o[rng.pick(WEIRD)] = randomJson(rng, 2);
  }
  let text = JSON.stringify(copy, null, rng.chance(0.5) ? 2 : 0);
  if (rng.chance(0.4)) {
    const chars = text.split('');
    for (let n = 1 + rng.int(4); n > 0; n--) {
      const at = rng.int(chars.length + 1);
      const op = rng.int(3);
      if (op === 0) chars.splice(at, 1 + rng.int(5));
      else if (op === 1) chars.splice(at, 0, rng.pick(['\n', '"', '{', '}', ',', ':', '\\', 'x', '\u0000', '\n\n  ']));
      else chars[at] = rng.pick(['0', '"', ']', '\n']);
    }
    text = chars.join('');
  }
  return text;
}

const oneLineRule = (msg: string): string | null =>
  msg.includes('\n') || msg.includes('\r') ? 'error message is more than one line' : /\n\s+at /.test(msg) ? 'stack trace in the error' : null;

export function manifestTrial(seed: number): TextTrial {
  const rng = new Prng(seed);
  const input = rng.chance(0.25) ? JSON.stringify(randomJson(rng)) : mutateJson(rng, REAL_MANIFEST);
  try {
    parseManifest(input, 'manifest.json');
    return { kind: 'manifest', accepted: true, message: 'accepted', violation: null, input };
  } catch (e) {
    if (!(e instanceof Error) || e.constructor !== Error) return { kind: 'manifest', accepted: false, message: oneLine(e), violation: `unexpected exception ${oneLine(e)}`, input };
    return { kind: 'manifest', accepted: false, message: e.message, violation: oneLineRule(e.message), input };
  }
}

export function scenarioTrial(seed: number): TextTrial {
  const rng = new Prng(seed);
  const input = rng.chance(0.25) ? JSON.stringify(randomJson(rng)) : mutateJson(rng, REAL_SCENARIO);
  try {
    parseScenario(input, 'fuzz.json');
    return { kind: 'scenario', accepted: true, message: 'accepted', violation: null, input };
  } catch (e) {
    if (!(e instanceof ScenarioError)) return { kind: 'scenario', accepted: false, message: oneLine(e), violation: `unexpected exception ${oneLine(e)}`, input };
    const bad = e.problems.map(oneLineRule).find((v) => v !== null) ?? null;
    return { kind: 'scenario', accepted: false, message: e.problems[0] ?? '', violation: e.problems.length === 0 ? 'no problem named' : bad, input };
  }
}

const ARGV_WORDS = ['--seed', '--cpus', '--json', '--fs', 'ext3', 'ramfs', '--seeds', '--start', '--paths', 'k42', '0', '-1', '99999999999', 'abc', '', '=', '--seed=x', '--cpus=0', 'a\nb', '--', '-', '--script', '/nonexistent/x', '--image', '--ext3-version', '7', 'é'];
const COMMAND_NAMES = ['demo', 'run', 'keygen', 'sign', 'pack', 'machine', 'mkfs', 'shell', 'compare', 'fuzz', 'nosuchcmd', 'x\ny', ''];

/** argv with at least one unknown flag: `main` must exit 2 with exactly one stderr line and print nothing else. */
export async function argvTrial(seed: number, main: (argv: string[], io: ArgvTrialIO) => Promise<number>): Promise<TextTrial> {
  const rng = new Prng(seed);
  const argv = [rng.pick(COMMAND_NAMES)];
  for (let n = rng.int(5); n > 0; n--) argv.push(rng.pick(ARGV_WORDS));
  argv.splice(1 + rng.int(argv.length), 0, `--no-such-flag-${rng.int(100)}`);
  const out: string[] = [];
  const err: string[] = [];
  const io: ArgvTrialIO = { out: (t) => out.push(t), err: (t) => err.push(t), readStdin: async () => '', isTTY: false };
  const input = JSON.stringify(argv);
  let code: number;
  try {
    code = await main(argv, io);
  } catch (e) {
    return { kind: 'argv', accepted: false, message: oneLine(e), violation: `main threw ${oneLine(e)}`, input };
  }
  const text = err.join('\n').replace(/\n$/, '');
  const violation =
    code !== 2 ? `exit ${code}, not 2` : out.length > 0 ? 'printed on stdout' : err.length !== 1 ? `${err.length} stderr writes` : oneLineRule(text.replace(/\n$/, ''));
  return { kind: 'argv', accepted: false, message: text, violation, input };
}
