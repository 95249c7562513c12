/**
 * State-format negotiation for the `check` phase.
 *
 * The old module lists the formats it can export its state in; the new one
 * lists the formats it can import, best first. The chosen format is the new
 * module's most preferred format that the old one can export; none in common
 * is an error and the update stops before anything is touched. (K42 does the
 * same with bit sets and "lowest common bit wins"; src/k42 models that form.)
 */
import { ErrnoError } from '../../uapi/errno.ts';

/** A format is `name@version`, e.g. `ext3-state@2`. */
export function parseFormat(f: string): { name: string; version: number } {
  const m = /^([a-z0-9-]+)@(\d+)$/.exec(f);
  if (!m) throw new ErrnoError('EINVAL', 'update', undefined, `state format '${f}' is not NAME@VERSION`);
  return { name: m[1]!, version: Number(m[2]) };
}

export function negotiateFormat(exportFormats: readonly string[], importFormats: readonly string[], what: string): string {
  for (const f of exportFormats) parseFormat(f);
  for (const f of importFormats) {
    parseFormat(f);
    if (exportFormats.includes(f)) return f;
  }
  throw new ErrnoError(
    'EINVAL',
    'update',
    undefined,
    `${what}: no common state format (old exports ${exportFormats.join(', ') || 'none'}; new imports ${importFormats.join(', ') || 'none'})`,
  );
}
