/**
 * `npm run build:packages -- --key FILE`: rebuild and sign the shipped ext3
 * release packages; `--check`: only report whether they are current (exit 1
 * if not).
 */
import { buildExt3Packages, staleExt3Packages } from '../src/modules/ext3-build.ts';

const args = process.argv.slice(2);
if (args.includes('--check')) {
  const p = staleExt3Packages();
  for (const l of p) console.error(l);
  if (p.length === 0) console.log('packages/ext3-v*: current');
  process.exit(p.length === 0 ? 0 : 1);
}
const k = args.indexOf('--key');
const key = k >= 0 ? args[k + 1] : undefined;
if (!key) {
  console.error('usage: build-packages --key PRIVATE_KEY | --check');
  process.exit(2);
}
for (const m of buildExt3Packages(key)) console.log(`packed ext3@${m.fromVersion}->${m.toVersion} (${m.code.sha256.slice(0, 12)}, signed by ${m.signature?.keyId})`);
