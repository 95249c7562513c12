/**
 * docs/paper-map.md, docs/fidelity.md and docs/design.md cite real things: every file path
 * they name exists, and every test name quoted after a test file is in that
 * file, so the map cannot drift from the code silently.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

describe.each(['paper-map.md', 'fidelity.md', 'design.md'])('docs/%s', (doc) => {
  const md = readFileSync(join(ROOT, 'docs', doc), 'utf8');

  it('names only files that exist', () => {
    const paths = [...md.matchAll(/`((?:src|tests|scenarios|bench)\/[^`\s]*[^/`\s])`/g)].map((m) => m[1]!);
    expect(paths.length).toBeGreaterThan(doc === 'paper-map.md' ? 20 : 3);
    const missing = paths.filter((p) => !existsSync(join(ROOT, p)) && !existsSync(join(ROOT, 'src/modules/update', p)) && !existsSync(join(ROOT, 'src/k42', p)));
    expect(missing).toEqual([]);
  });

  it('quotes test names that are in the cited test file', () => {
    const bad: string[] = [];
    for (const line of md.split('\n')) {
      for (const m of line.matchAll(/`(tests\/[^`]+\.test\.ts)`((?:\s*(?:"[^"]+"|,))+)/g)) {
        const file = readFileSync(join(ROOT, m[1]!), 'utf8');
        for (const q of m[2]!.matchAll(/"([^"]+)"/g)) {
          const name = q[1]!.replace(/\.\.\.$/, '');
          if (!file.includes(name)) bad.push(`${m[1]}: "${q[1]}"`);
        }
      }
    }
    expect(bad).toEqual([]);
  });
});
