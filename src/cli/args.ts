/**
 * Command-line flag parsing shared by every `modswap` command.
 *
 * Each command declares its flags (name, kind, default, help); `parseFlags`
 * turns argv into typed values or throws a `UsageError` whose one-line message
 * says what is wrong. The CLI prints it and exits 2, never a stack trace.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type FlagKind = 'boolean' | 'string' | 'int' | 'number';

export interface FlagSpec {
  kind: FlagKind;
  help: string;
  default?: string | number | boolean;
  /** Allowed values for strings. */
  choices?: readonly string[];
  min?: number;
  max?: number;
  /** Placeholder shown in help, e.g. N or PATH. */
  arg?: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

export type FlagValues<S extends FlagSpecs> = {
  [K in keyof S]: S[K]['kind'] extends 'boolean'
    ? boolean
    : S[K]['kind'] extends 'string'
      ? string | undefined
      : number | undefined;
};

export interface Parsed<S extends FlagSpecs> {
  flags: FlagValues<S>;
  positional: string[];
}

export function parseFlags<S extends FlagSpecs>(command: string, argv: readonly string[], specs: S): Parsed<S> {
  const flags: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(specs)) flags[k] = s.default ?? (s.kind === 'boolean' ? false : undefined);
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--') || a === '--') {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const key = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    const spec = specs[key];
    if (!spec) throw new UsageError(`${command}: unknown flag --${key} (see modswap ${command} --help)`);
    if (spec.kind === 'boolean') {
      if (eq >= 0) throw new UsageError(`${command}: --${key} takes no value`);
      flags[key] = true;
      continue;
    }
    let raw: string | undefined;
    if (eq >= 0) raw = a.slice(eq + 1);
    else {
      raw = argv[i + 1];
      i++;
    }
    if (raw === undefined || (eq < 0 && raw.startsWith('--'))) throw new UsageError(`${command}: --${key} needs a value`);
    flags[key] = convert(command, key, spec, raw);
  }
  return { flags: flags as FlagValues<S>, positional };
}

function convert(command: string, key: string, spec: FlagSpec, raw: string): string | number {
  if (spec.kind === 'string') {
    if (spec.choices && !spec.choices.includes(raw)) {
      throw new UsageError(`${command}: --${key} must be one of ${spec.choices.join(', ')}, got '${raw}'`);
    }
    return raw;
  }
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || (spec.kind === 'int' && !Number.isInteger(n))) {
    throw new UsageError(`${command}: --${key} must be ${spec.kind === 'int' ? 'an integer' : 'a number'}, got '${raw}'`);
  }
  if (spec.min !== undefined && n < spec.min) throw new UsageError(`${command}: --${key} must be at least ${spec.min}, got ${n}`);
  if (spec.max !== undefined && n > spec.max) throw new UsageError(`${command}: --${key} must be at most ${spec.max}, got ${n}`);
  return n;
}

/** The flag section of a command's --help. */
export function flagHelp(specs: FlagSpecs): string {
  const rows = Object.entries(specs).map(([k, s]) => {
    const left = `  --${k}${s.kind === 'boolean' ? '' : ' ' + (s.arg ?? (s.choices ? s.choices.join('|') : s.kind === 'string' ? 'VALUE' : 'N'))}`;
    const def = s.default !== undefined && s.kind !== 'boolean' ? ` (default ${s.default})` : '';
    return [left, s.help + def] as const;
  });
  const w = Math.max(0, ...rows.map(([l]) => l.length)) + 2;
  return rows.map(([l, r]) => l.padEnd(w) + r).join('\n');
}
