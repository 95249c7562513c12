/**
 * `modswap mkfs`: make an ext2/ext3 image file, reproducibly.
 *
 * With e2fsprogs installed it runs mke2fs with a fixed UUID and hash seed
 * and E2FSPROGS_FAKE_TIME (src/ext2/e2fsprogs.ts), so the same arguments give
 * the same bytes; otherwise (or with --builtin) the built-in mkfs
 * (src/ext2/mkfs.ts), equally deterministic. An existing non-empty file is
 * never overwritten without --force. Errors are one line, exit status 2.
 */
import { closeSync, existsSync, ftruncateSync, openSync, statSync } from 'node:fs';
import type { Sim } from '../sim/effects.ts';
import type { BlockDevice } from '../hw-ppc64/blockdev.ts';
import { HostFileBackend } from '../hw-ppc64/disk-backend.ts';
import { mkfs } from '../ext2/mkfs.ts';
import { FIXED_TIME, runMke2fs } from '../ext2/e2fsprogs.ts';
import { e2fsprogsTool } from '../ext2/e2fsprogs-path.ts';
import { UsageError, flagHelp, parseFlags, type FlagSpecs } from './args.ts';
import type { Command } from './command.ts';

const FLAGS = {
  image: { kind: 'string', help: 'image file to create', arg: 'PATH' },
  size: { kind: 'string', help: 'file-system size in bytes, or with a K, M or G suffix (e.g. 64M)', arg: 'SIZE' },
  'block-size': { kind: 'string', help: 'block size in bytes', choices: ['1024', '2048', '4096'], default: '1024', arg: 'N' },
  journal: { kind: 'boolean', help: 'make an ext3 journal (inode 8); without it, plain ext2' },
  builtin: { kind: 'boolean', help: 'use the built-in mkfs even if mke2fs is installed' },
  force: { kind: 'boolean', help: 'overwrite an existing non-empty file' },
  json: { kind: 'boolean', help: 'print the result as one JSON object' },
} satisfies FlagSpecs;

/** Bytes for `64M`, `512K`, `1G`, `1048576`. */
export function parseSize(text: string): number {
  const m = /^(\d+)([KMG]?)$/i.exec(text.trim());
  if (!m) throw new UsageError(`mkfs: --size '${text}' is not a size (e.g. 64M, 512K, 1G or bytes)`);
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G'];
  const n = Number(m[1]) * unit;
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`mkfs: --size '${text}' is out of range`);
  return n;
}

/** A BlockDevice over a host file, synchronous (setup code: no modelled machine). */
function hostDevice(backend: HostFileBackend, sizeBytes: number): BlockDevice {
  return {
    name: 'image',
    sectorSize: 512,
    sizeBytes,
    readOnly: false,
    *read(off: number, len: number): Sim<Uint8Array> {
      const out = new Uint8Array(len);
      backend.read(off, out);
      return out;
    },
    *write(off: number, data: Uint8Array): Sim<void> {
      backend.write(off, data);
    },
    *flush(): Sim<void> {},
  };
}

function runSync(g: Sim<void>): void {
  for (let r = g.next(); !r.done; r = g.next()) {
    if (typeof r.value !== 'number') throw new Error('mkfs: unexpected blocking effect');
  }
}

export const mkfsCommand: Command = {
  name: 'mkfs',
  flags: FLAGS,
  summary: 'make a reproducible ext2/ext3 image file (mke2fs if installed, else built in)',
  help: () =>
    [
      'usage: modswap mkfs --image PATH --size SIZE [--block-size 1024|2048|4096] [--journal] [--builtin] [--force] [--json]',
      '',
      'Makes an ext2 file system (ext3 with --journal) in PATH, SIZE bytes long.',
      'Uses mke2fs with a fixed UUID and E2FSPROGS_FAKE_TIME when installed,',
      'else the built-in mkfs; both give the same bytes for the same arguments.',
      'An existing non-empty PATH is kept unless --force.',
      '',
      'flags:',
      flagHelp(FLAGS),
    ].join('\n'),
  run(argv, io) {
    const { flags, positional } = parseFlags('mkfs', argv, FLAGS);
    if (positional.length > 0) throw new UsageError(`mkfs: unexpected argument '${positional[0]}'`);
    const image = flags.image;
    if (image === undefined) throw new UsageError('mkfs: --image PATH is required');
    if (flags.size === undefined) throw new UsageError('mkfs: --size SIZE is required (e.g. 64M)');
    const size = parseSize(flags.size);
    const bs = Number(flags['block-size']) as 1024 | 2048 | 4096;
    if (size % bs !== 0) throw new UsageError(`mkfs: --size ${size} is not a multiple of the block size ${bs}`);
    const blocks = size / bs;
    if (blocks < (flags.journal ? 2048 : 64)) throw new UsageError(`mkfs: ${blocks} blocks is too small${flags.journal ? ' for a journal (need 2048)' : ' (need 64)'}`);
    if (existsSync(image) && statSync(image).size > 0 && !flags.force) {
      throw new UsageError(`mkfs: ${image} exists and is not empty (use --force to overwrite)`);
    }
    const useMke2fs = !flags.builtin && e2fsprogsTool('mke2fs') !== undefined;
    try {
      const fd = openSync(image, 'w');
      ftruncateSync(fd, size);
      closeSync(fd);
      if (useMke2fs) {
        runMke2fs(image, { type: flags.journal ? 'ext3' : 'ext2', blockSize: bs, blocks });
      } else {
        const backend = HostFileBackend.open(image);
        try {
          runSync(mkfs(hostDevice(backend, size), { blockSize: bs, journal: flags.journal, now: FIXED_TIME }));
        } finally {
          backend.close();
        }
      }
    } catch (e) {
      const msg = e instanceof Error ? (e.message.split('\n')[0] ?? String(e)) : String(e);
      throw new UsageError(`mkfs: ${image}: ${msg}`);
    }
    const result = { image, size, blockSize: bs, blocks, journal: flags.journal, tool: useMke2fs ? 'mke2fs' : 'builtin' };
    if (flags.json) io.out(JSON.stringify(result));
    else io.out(`${image}: ${flags.journal ? 'ext3' : 'ext2'}, ${blocks} blocks of ${bs} bytes, made by ${result.tool}`);
    return 0;
  },
};
