/**
 * Ed25519 signing keys and the keyring that update packages are checked
 * against (node:crypto). A keyring is a directory of `NAME.pub` files (SPKI
 * PEM); a key's id is the first 16 hex digits of the sha256 of its DER.
 * Private keys are `NAME.key` (PKCS#8 PEM, written mode 0600).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface PublicKeyEntry {
  keyId: string;
  name: string;
  key: KeyObject;
}

export function keyIdOf(pub: KeyObject): string {
  const der = pub.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

/** Create a key pair `NAME.key`/`NAME.pub` in `dir`; refuses to overwrite. */
export function generateKeyPair(dir: string, name: string): { keyId: string; privatePath: string; publicPath: string } {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new Error(`key name '${name}' must be 1-64 letters, digits, '.', '_' or '-'`);
  mkdirSync(dir, { recursive: true });
  const privatePath = join(dir, `${name}.key`);
  const publicPath = join(dir, `${name}.pub`);
  for (const p of [privatePath, publicPath]) if (existsSync(p)) throw new Error(`${p} already exists; not overwriting a key`);
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(publicPath, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
  return { keyId: keyIdOf(publicKey), privatePath, publicPath };
}

export function loadPrivateKey(path: string): KeyObject {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`cannot read private key ${path}`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch {
    throw new Error(`${path} is not a PEM private key`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${path} is a ${key.asymmetricKeyType} key; ed25519 is required`);
  return key;
}

export function signBytes(priv: KeyObject, data: Buffer): { keyId: string; value: string } {
  const pub = createPublicKey(priv);
  return { keyId: keyIdOf(pub), value: sign(null, data, priv).toString('base64') };
}

export class Keyring {
  private readonly keys = new Map<string, PublicKeyEntry>();

  /** Load every `*.pub` in `dir`; unreadable or non-ed25519 files are reported, not ignored. */
  static fromDirectory(dir: string): Keyring {
    const ring = new Keyring();
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`keyring ${dir} is not a directory`);
    for (const f of readdirSync(dir).sort()) {
      if (!f.endsWith('.pub')) continue;
      const path = join(dir, f);
      let key: KeyObject;
      try {
        key = createPublicKey(readFileSync(path, 'utf8'));
      } catch {
        throw new Error(`keyring ${dir}: ${f} is not a PEM public key`);
      }
      if (key.asymmetricKeyType !== 'ed25519') throw new Error(`keyring ${dir}: ${f} is not an ed25519 key`);
      ring.add(f.slice(0, -4), key);
    }
    return ring;
  }

  add(name: string, key: KeyObject): string {
    const keyId = keyIdOf(key);
    this.keys.set(keyId, { keyId, name, key });
    return keyId;
  }

  get size(): number {
    return this.keys.size;
  }

  list(): PublicKeyEntry[] {
    return [...this.keys.values()];
  }

  /** True if `value` (base64) is a valid signature of `data` by key `keyId`. */
  verify(keyId: string, data: Buffer, value: string): boolean {
    const e = this.keys.get(keyId);
    if (!e) return false;
    try {
      return verify(null, data, e.key, Buffer.from(value, 'base64'));
    } catch {
      return false;
    }
  }
}
