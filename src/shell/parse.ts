/**
 * Parsing shell script lines: `#` starts a comment (outside TEXT), words are
 * separated by blanks, and a command that takes TEXT gets the rest of the
 * line after its other arguments, with `\n` and `\\` escapes decoded.
 */

/** A line with its comment and surrounding blanks removed; '' if nothing is left. */
export function stripLine(line: string): string {
  const t = line.trim();
  return t.startsWith('#') ? '' : t;
}

/** Split off the command word; `rest` is the raw text after it. */
export function splitCommand(line: string): { name: string; rest: string } {
  const m = /^(\S+)\s*(.*)$/s.exec(line);
  return m ? { name: m[1]!, rest: m[2]! } : { name: '', rest: '' };
}

/**
 * Split `rest` into `n` blank-separated words, then (with `withText`) the
 * raw remainder as one more argument. Words stop at `#` (a comment).
 */
export function splitArgs(rest: string, n: number, withText: boolean): string[] {
  const out: string[] = [];
  let s = rest;
  const limit = withText ? n : Infinity;
  while (out.length < limit) {
    s = s.replace(/^\s+/, '');
    if (s === '' || (!withText && s.startsWith('#'))) break;
    const m = /^\S+/.exec(s)!;
    out.push(m[0]);
    s = s.slice(m[0].length);
  }
  if (withText) {
    const text = s.replace(/^\s/, '');
    if (text !== '' || out.length === n) out.push(unescape(text));
  } else if (/\S/.test(s.replace(/#.*$/s, ''))) {
    out.push(s.trim()); // surplus: makes the arity check fail
  }
  return out;
}

/** Decode `\n` and `\\` (any other backslash stays as it is). */
export function unescape(text: string): string {
  return text.replace(/\\(n|\\)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** An octal mode argument (e.g. 755, 0644); NaN if malformed. */
export function parseMode(s: string): number {
  return /^[0-7]{1,6}$/.test(s) ? parseInt(s, 8) : NaN;
}

/** A non-negative decimal integer; NaN if malformed. */
export function parseCount(s: string): number {
  return /^\d+$/.test(s) ? Number(s) : NaN;
}
