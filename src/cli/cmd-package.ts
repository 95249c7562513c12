/**
 * Update-package commands: `modswap keygen`, `modswap sign`, `modswap pack`.
 * Host file operations only; the simulation is not involved.
 */
import { UsageError, flagHelp, parseFlags, type FlagSpecs } from './args.ts';
import type { Command } from './command.ts';
import { prepareOutputDir } from './output-path.ts';
import { existsSync } from 'node:fs';
import { generateKeyPair } from '../modules/update/keyring.ts';
import { pack, signManifest } from '../modules/update/package.ts';
import { updateId } from '../modules/update/manifest.ts';

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}

const KEYGEN = {
  dir: { kind: 'string', help: 'directory to write NAME.key and NAME.pub into', default: 'keys', arg: 'DIR' },
  name: { kind: 'string', help: 'key name', default: 'modswap', arg: 'NAME' },
  json: { kind: 'boolean', help: 'print the result as JSON' },
} satisfies FlagSpecs;

export const keygenCommand: Command = {
  name: 'keygen',
  flags: KEYGEN,
  summary: 'create an Ed25519 key pair for signing update packages',
  help: () => ['usage: modswap keygen [--dir DIR] [--name NAME]', '', 'Writes DIR/NAME.key (private, mode 0600) and DIR/NAME.pub; put the .pub in a keyring directory.', '', flagHelp(KEYGEN)].join('\n'),
  run(argv, io) {
    const { flags, positional } = parseFlags('keygen', argv, KEYGEN);
    if (positional.length > 0) throw new UsageError(`keygen: unexpected argument '${positional[0]}'`);
    prepareOutputDir('keygen', 'dir', flags.dir!);
    let r;
    try {
      r = generateKeyPair(flags.dir!, flags.name!);
    } catch (e) {
      throw new UsageError(`keygen: ${oneLine(e)}`);
    }
    io.out(flags.json ? JSON.stringify(r) : `key ${r.keyId}: private ${r.privatePath}, public ${r.publicPath}`);
    return 0;
  },
};

const SIGN = {
  key: { kind: 'string', help: 'private key file (from modswap keygen)', arg: 'FILE' },
  json: { kind: 'boolean', help: 'print the signed manifest as JSON' },
} satisfies FlagSpecs;

export const signCommand: Command = {
  name: 'sign',
  flags: SIGN,
  summary: 'sign an update package manifest (recomputes the code hash)',
  help: () => ['usage: modswap sign --key FILE PACKAGE', '', 'PACKAGE is a package directory or its manifest.json.', '', flagHelp(SIGN)].join('\n'),
  run(argv, io) {
    const { flags, positional } = parseFlags('sign', argv, SIGN);
    if (!flags.key) throw new UsageError('sign: --key FILE is required');
    if (positional.length !== 1) throw new UsageError('sign: expected one PACKAGE argument');
    let m;
    try {
      m = signManifest(positional[0]!, flags.key);
    } catch (e) {
      throw new UsageError(`sign: ${oneLine(e)}`);
    }
    io.out(flags.json ? JSON.stringify(m) : `signed ${updateId(m)} with key ${m.signature!.keyId}`);
    return 0;
  },
};

const PACK = {
  module: { kind: 'string', help: 'module name (e.g. ext3)', arg: 'NAME' },
  from: { kind: 'int', help: 'version the update applies to (0: a base release)', min: 0, arg: 'V' },
  to: { kind: 'int', help: 'version the update installs', min: 1, arg: 'V' },
  formats: { kind: 'string', help: 'state formats the new code imports, best first, comma-separated', arg: 'F,...' },
  requires: { kind: 'string', help: 'ids of updates required first, comma-separated', arg: 'ID,...' },
  description: { kind: 'string', help: 'one-line description', arg: 'TEXT' },
  root: { kind: 'string', help: "the module's source tree (default: the entry file's grandparent directory)", arg: 'DIR' },
  out: { kind: 'string', help: 'package directory to create', arg: 'DIR' },
  key: { kind: 'string', help: 'sign with this private key', arg: 'FILE' },
  json: { kind: 'boolean', help: 'print the manifest as JSON' },
} satisfies FlagSpecs;

export const packCommand: Command = {
  name: 'pack',
  flags: PACK,
  summary: "build a module's source into a signed update package",
  help: () =>
    [
      'usage: modswap pack ENTRY.ts --module NAME --from V --to V --formats F,... --out DIR [--root DIR] [--key FILE]',
      '',
      "Builds the module whose entry point is ENTRY.ts into one self-contained bundle (NAME.ko.js),",
      'linked only against the kernel ABI (modswap/kernel: any other import is refused), and writes',
      "it to DIR with a manifest.json recording the bundle's sha256 and the kernel ABI digest;",
      'signed when --key is given. The same sources always give the same bytes.',
      '',
      flagHelp(PACK),
    ].join('\n'),
  run(argv, io) {
    const { flags, positional } = parseFlags('pack', argv, PACK);
    if (positional.length !== 1) throw new UsageError('pack: expected one module entry-point argument (ENTRY.ts)');
    for (const req of ['module', 'from', 'to', 'formats', 'out'] as const) {
      if (flags[req] === undefined) throw new UsageError(`pack: --${req} is required`);
    }
    // the module file first, so a missing one leaves no empty package directory behind
    if (!existsSync(positional[0]!)) throw new UsageError(`pack: module file ${positional[0]} does not exist`);
    prepareOutputDir('pack', 'out', flags.out!);
    let m;
    try {
      m = pack({
        source: positional[0]!,
        ...(flags.root ? { root: flags.root } : {}),
        module: flags.module!,
        fromVersion: flags.from!,
        toVersion: flags.to!,
        stateFormats: flags.formats!.split(',').map((s) => s.trim()).filter(Boolean),
        requires: flags.requires ? flags.requires.split(',').map((s) => s.trim()).filter(Boolean) : [],
        ...(flags.description ? { description: flags.description } : {}),
        outDir: flags.out!,
        ...(flags.key ? { keyPath: flags.key } : {}),
      });
    } catch (e) {
      throw new UsageError(`pack: ${oneLine(e)}`);
    }
    io.out(flags.json ? JSON.stringify(m) : `packed ${updateId(m)} into ${flags.out}${m.signature ? ` (signed by ${m.signature.keyId})` : ' (unsigned)'}`);
    return 0;
  },
};
