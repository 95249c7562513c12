/**
 * README, docs/ and `--help` agree with the program where they cite it:
 *
 * - every `modswap ...` command line in README.md and docs/*.md (in code
 *   blocks and in inline code) names a real command and parses with that
 *   command's own flag parser (parseFlags over its declared flags);
 * - README's command table and `modswap --help` list the same commands;
 * - the demos README lists are exactly `modswap demo --list`;
 * - README's `npm run` scripts exist in package.json;
 * - the timeline README shows is what `npm run demo` prints;
 * - README, `run --help` and the tutorial agree that scenarios may be YAML.
 *
 * docs/tutorial.md's `sh` blocks are run by tutorial.test.ts.
 */
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseFlags } from '../../src/cli/args.ts';
import type { CliIO, Command } from '../../src/cli/command.ts';
import { COMMANDS } from '../../src/cli/commands.ts';
import { main } from '../../src/cli/main.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const DOCS = readdirSync(join(ROOT, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => ({ file: `docs/${f}`, text: readFileSync(join(ROOT, 'docs', f), 'utf8') }));
const ALL = [{ file: 'README.md', text: README }, ...DOCS];

function io(): { c: CliIO; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { c: { out: (t) => void out.push(t), err: (t) => void err.push(t), readStdin: async () => '', isTTY: false }, out, err };
}

/** Shell-like words: quotes removed, a backslash-newline joins lines. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let q: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (q) {
      if (ch === q) q = null;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      q = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** The `modswap` invocations a markdown text cites: [file, words after `modswap`]. */
export function citedCommands(md: string): string[][] {
  const out: string[][] = [];
  const take = (segment: string): void => {
    const s = segment.trim().replace(/^\$\s+/, '');
    if (!s.startsWith('modswap ')) return;
    // stop at redirections and pipes: what follows is not modswap's
    const cut = s.search(/\s(?:\||\d?>|<)/);
    out.push(shellWords((cut < 0 ? s : s.slice(0, cut)).slice('modswap '.length)));
  };
  // fenced blocks, with backslash continuations joined
  for (const m of md.matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)) {
    const body = m[1]!.replace(/\\\n\s*/g, ' ');
    for (const line of body.split('\n')) for (const seg of line.split(/;|&&|\|\|/)) take(seg);
  }
  // inline code outside fenced blocks
  const prose = md.replace(/^```[a-z]*\n[\s\S]*?^```$/gm, '');
  for (const m of prose.matchAll(/`(modswap [^`]+)`/g)) take(m[1]!.replace(/\\\|/g, '|').split('|')[0]!);
  return out;
}

describe('documented command lines parse with the real argument parser', () => {
  let commands: Command[] = [];

  it('every command declares the flags it parses', async () => {
    commands = await Promise.all(COMMANDS.map((c) => c.load()));
    for (const c of commands) expect(Object.keys(c.flags).length, c.name).toBeGreaterThan(0);
  });

  it.each(ALL.map((d) => [d.file, d.text] as const))('%s', async (file, text) => {
    if (commands.length === 0) commands = await Promise.all(COMMANDS.map((c) => c.load()));
    const cited = citedCommands(text);
    const bad: string[] = [];
    for (const words of cited) {
      const [name, ...args] = words;
      const top = ['--help', '--version', 'help'];
      if (name === undefined || top.includes(name)) continue;
      const cmd = commands.find((c) => c.name === name);
      if (!cmd) {
        bad.push(`modswap ${words.join(' ')}: no command '${name}'`);
        continue;
      }
      if (args.includes('--help') || args.includes('-h')) continue;
      try {
        parseFlags(name, args, cmd.flags);
      } catch (e) {
        bad.push(`modswap ${words.join(' ')}: ${(e as Error).message}`);
      }
    }
    expect(bad, `${file}`).toEqual([]);
    if (file === 'README.md' || file === 'docs/tutorial.md') expect(cited.length, `${file} cites no modswap command`).toBeGreaterThan(5);
  });

  it('a wrong flag in a cited line is caught (the check can fail)', async () => {
    const cited = citedCommands('```sh\nmodswap demo --no-such-flag\n```\n');
    const demo = (await COMMANDS.find((c) => c.name === 'demo')!.load()).flags;
    expect(() => parseFlags('demo', cited[0]!.slice(1), demo)).toThrow(/no-such-flag/);
  });
});

describe('README, --help and the program list the same things', () => {
  it("README's command table names every command --help lists, and no other", async () => {
    const c = io();
    expect(await main(['--help'], c.c)).toBe(0);
    const listed = [...c.out.join('\n').matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]!);
    expect(listed.sort()).toEqual(COMMANDS.map((x) => x.name).sort());
    const table = README.slice(README.indexOf('| command | what it does |'), README.indexOf('\n\n', README.indexOf('| command | what it does |')));
    const inTable = new Set([...table.matchAll(/`modswap ([a-z]+)/g)].map((m) => m[1]!));
    for (const m of table.matchAll(/`modswap [a-z]+`, (`[a-z]+`(?:, )?)+/g)) for (const w of m[0].matchAll(/`([a-z]+)`/g)) inTable.add(w[1]!);
    expect([...inTable].sort()).toEqual(COMMANDS.map((x) => x.name).sort());
  });

  it('the demos README lists are exactly `modswap demo --list`', async () => {
    const c = io();
    expect(await main(['demo', '--list'], c.c)).toBe(0);
    const demos = c.out.map((l) => l.split(/\s+/)[0]!).sort();
    const row = README.split('\n').find((l) => l.startsWith('| `modswap demo'))!;
    const named = [...row.matchAll(/`([a-z0-9][a-z0-9-]*)`/g)].map((m) => m[1]!);
    expect([...new Set(named)].sort()).toEqual(demos);
  });

  it("README's npm scripts exist", () => {
    const scripts = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
    const cited = [...README.matchAll(/npm run ([a-z:-]+)/g)].map((m) => m[1]!);
    expect(cited.length).toBeGreaterThan(2);
    for (const s of cited) expect(scripts, `npm run ${s}`).toContain(s);
  });

  it('YAML scenarios: README, run --help and the tutorial say so', async () => {
    const c = io();
    expect(await main(['run', '--help'], c.c)).toBe(0);
    expect(c.out.join('\n')).toMatch(/YAML/);
    expect(c.out.join('\n')).toMatch(/SCENARIO\.yaml/);
    expect(README).toMatch(/modswap run FILE\.json\\\|yaml/);
    const tutorial = DOCS.find((d) => d.file === 'docs/tutorial.md')!.text;
    expect(tutorial).not.toMatch(/YAML is not supported/);
    expect(tutorial).toMatch(/YAML when the\s+file name ends in `\.yaml`/);
  });

  it("the timeline README shows is what `npm run demo` prints", async () => {
    const block = /simulated times[^`]*```\n([\s\S]*?)\n```/.exec(README)![1]!.split('\n');
    expect(block.length).toBeGreaterThan(8);
    const c = io();
    expect(await main(['demo'], c.c)).toBe(0);
    const printed = c.out.join('\n').split('\n');
    const first = printed.indexOf(block[0]!);
    expect(first, `README.md shows an outdated timeline of npm run demo (paste the new one); its first line is not printed: ${block[0]}\n${printed.filter((l) => /boot done/.test(l)).join('\n')}`).toBeGreaterThan(0);
    // when the model's timing changes on purpose, paste the new timeline of `npm run demo` into README.md
    expect(printed.slice(first, first + block.length), 'README.md shows an outdated timeline of npm run demo').toEqual(block);
  }, 120_000);
});
