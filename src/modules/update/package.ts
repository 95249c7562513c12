/**
 * Reading, checking and building update packages on the host file system.
 *
 * `verifyPackage` is the host half of the update manager's `check` phase:
 * manifest schema, code hash and signature. Any failure is an
 * `ErrnoError('EKEYREJECTED')` (unsigned, unknown key, bad signature,
 * tampered code) or `EINVAL` (malformed manifest), with a one-line detail;
 * nothing is loaded or changed.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ErrnoError } from '../../uapi/errno.ts';
import { parseManifest, signedBytes, updateId, MANIFEST_VERSION, type Manifest } from './manifest.ts';
import { Keyring, loadPrivateKey, signBytes } from './keyring.ts';

export const MANIFEST_FILE = 'manifest.json';

export interface VerifiedPackage {
  manifest: Manifest;
  id: string;
  /** Absolute path of the code file (hash already checked). */
  codePath: string;
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
  const actual = sha256File(codePath);
  if (actual !== manifest.code.sha256) reject(`code file ${manifest.code.file} has sha256 ${actual.slice(0, 12)}..., manifest says ${manifest.code.sha256.slice(0, 12)}...`);
  return { manifest, id: updateId(manifest), codePath, signer: signer!.name };
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
  moduleFile: string;
  module: string;
  fromVersion: number;
  toVersion: number;
  stateFormats: string[];
  requires?: string[];
  description?: string;
  outDir: string;
  keyPath?: string;
}

/** Build a package directory: the code file plus a (signed) manifest. */
export function pack(o: PackOptions): Manifest {
  if (!existsSync(o.moduleFile)) throw new Error(`module file ${o.moduleFile} does not exist`);
  mkdirSync(o.outDir, { recursive: true });
  const file = basename(o.moduleFile);
  const dest = join(o.outDir, file);
  if (resolve(dest) !== resolve(o.moduleFile)) copyFileSync(o.moduleFile, dest);
  const manifest: Manifest = {
    manifestVersion: MANIFEST_VERSION,
    module: o.module,
    fromVersion: o.fromVersion,
    toVersion: o.toVersion,
    requires: o.requires ?? [],
    stateFormats: o.stateFormats,
    code: { file, sha256: sha256File(dest) },
    ...(o.description ? { description: o.description } : {}),
  };
  // validate before writing anything the user would have to clean up
  parseManifest(JSON.stringify(manifest), 'pack');
  writeFileSync(join(o.outDir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  return o.keyPath ? signManifest(o.outDir, o.keyPath) : manifest;
}
