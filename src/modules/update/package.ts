/**
 * Reading, checking and building update packages on the host file system.
 * A package is a directory: `manifest.json` and the module's built bundle
 * (`NAME.ko.js`, build.ts), the bytes the loader links (link.ts).
 *
 * `verifyPackage` is the host half of the update manager's `check` phase:
 * manifest schema, code hash and signature. Any failure is an
 * `ErrnoError('EKEYREJECTED')` (unsigned, unknown key, bad signature,
 * tampered code) or `EINVAL` (malformed manifest), with a one-line detail;
 * nothing is loaded or changed.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { kernelAbi } from '../kernel/abi.ts';
import { buildModuleBundle } from './build.ts';
import { ErrnoError } from '../../uapi/errno.ts';
import { parseManifest, signedBytes, updateId, MANIFEST_VERSION, type Manifest } from './manifest.ts';
import { Keyring, loadPrivateKey, signBytes } from './keyring.ts';

export const MANIFEST_FILE = 'manifest.json';

export interface VerifiedPackage {
  manifest: Manifest;
  id: string;
  /** Absolute path of the code file. */
  codePath: string;
  /** The code's bytes, read once: the ones hashed are the ones linked. */
  code: Buffer;
  /** Name of the keyring key that signed it. */
  signer: string;
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Resolve a package argument (a directory or a manifest path) to the manifest path. */
export function manifestPathOf(pkg: string): string {
  return pkg.endsWith('.json') ? pkg : join(pkg, MANIFEST_FILE);
}

export function readManifest(pkg: string): { manifest: Manifest; path: string } {
  const path = manifestPathOf(pkg);
  if (!existsSync(path)) throw new ErrnoError('ENOENT', 'update', path, 'no update manifest here');
  try {
    return { manifest: parseManifest(readFileSync(path, 'utf8'), path), path };
  } catch (e) {
    throw new ErrnoError('EINVAL', 'update', path, (e as Error).message);
  }
}

export function verifyPackage(pkg: string, keyring: Keyring): VerifiedPackage {
  const { manifest, path } = readManifest(pkg);
  const reject = (why: string): never => {
    throw new ErrnoError('EKEYREJECTED', 'update', path, why);
  };
  if (!manifest.signature) reject('package is not signed');
  const sig = manifest.signature!;
  const signer = keyring.list().find((k) => k.keyId === sig.keyId);
  if (!signer) reject(`signed by key ${sig.keyId}, which is not in the keyring`);
  if (!keyring.verify(sig.keyId, signedBytes(manifest), sig.value)) reject('signature does not match the manifest');
  const codePath = resolve(dirname(path), manifest.code.file);
  if (!existsSync(codePath)) throw new ErrnoError('ENOENT', 'update', codePath, 'code file named by the manifest is missing');
  const code = readFileSync(codePath);
  const actual = createHash('sha256').update(code).digest('hex');
  if (actual !== manifest.code.sha256) reject(`code file ${manifest.code.file} has sha256 ${actual.slice(0, 12)}..., manifest says ${manifest.code.sha256.slice(0, 12)}...`);
  return { manifest, id: updateId(manifest), codePath, code, signer: signer!.name };
}

/** Sign (or re-sign) a manifest in place with a private key; recomputes the code hash. */
export function signManifest(pkg: string, keyPath: string): Manifest {
  const { manifest, path } = readManifest(pkg);
  const codePath = resolve(dirname(path), manifest.code.file);
  if (!existsSync(codePath)) throw new Error(`${path}: code file ${manifest.code.file} is missing`);
  const unsigned: Manifest = { ...manifest, code: { ...manifest.code, sha256: sha256File(codePath) } };
  delete unsigned.signature;
  const priv = loadPrivateKey(keyPath);
  const sig = signBytes(priv, signedBytes(unsigned));
  const signed: Manifest = { ...unsigned, signature: { algorithm: 'ed25519', ...sig } };
  writeFileSync(path, JSON.stringify(signed, null, 2) + '\n');
  return signed;
}

export interface PackOptions {
  /** The module's entry point source (e.g. modules-src/ext3/v2/index.ts). */
  source: string;
  /** Its source tree (default: the entry's grandparent); paths in the bundle are relative to it. */
  root?: string;
  module: string;
  fromVersion: number;
  toVersion: number;
  stateFormats: string[];
  requires?: string[];
  description?: string;
  outDir: string;
  keyPath?: string;
}

/** File name of the built bundle in a package (`ext3.ko.js`). */
export function bundleFileName(module: string): string {
  return `${module}.ko.js`;
}

/**
 * Build a package directory: the module's bundle (built here from its
 * source, against this kernel's ABI) plus a manifest, signed with `keyPath`
 * if given. Validates everything before writing anything.
 */
export function pack(o: PackOptions): Manifest {
  if (!existsSync(o.source)) throw new Error(`module source ${o.source} does not exist`);
  const built = buildModuleBundle(o.source, o.root);
  const abi = kernelAbi();
  const file = bundleFileName(o.module);
  const manifest: Manifest = {
    manifestVersion: MANIFEST_VERSION,
    module: o.module,
    fromVersion: o.fromVersion,
    toVersion: o.toVersion,
    requires: o.requires ?? [],
    stateFormats: o.stateFormats,
    kernelAbi: { version: abi.version, digest: abi.digest, symbols: built.kernelSymbols },
    code: { file, sha256: createHash('sha256').update(built.code).digest('hex') },
    ...(o.description ? { description: o.description } : {}),
  };
  // validate before writing anything the user would have to clean up
  parseManifest(JSON.stringify(manifest), 'pack');
  const priv = o.keyPath ? loadPrivateKey(o.keyPath) : null;
  mkdirSync(o.outDir, { recursive: true });
  writeFileSync(join(o.outDir, file), built.code);
  const out: Manifest = priv ? { ...manifest, signature: { algorithm: 'ed25519', ...signBytes(priv, signedBytes(manifest)) } } : manifest;
  writeFileSync(join(o.outDir, MANIFEST_FILE), JSON.stringify(out, null, 2) + '\n');
  return out;
}
