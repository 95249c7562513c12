/**
 * State snapshots for the `transfer` phase.
 *
 * The old module exports its state as a plain object in the negotiated
 * format; it is deep-frozen (immer's `freeze`) so neither side can mutate it
 * in place, and validated against the zod schema registered for that format
 * before the new module sees it. A snapshot that fails validation aborts the
 * update (rollback), with the first problem named in one line.
 *
 * It sits in modules/core, beside the hook contract (hooks.ts), because a
 * module registers its formats at load: module code imports core only, never
 * the update manager (modules/update) that uses them.
 */
import { freeze } from 'immer';
import type { z } from 'zod';
import { ErrnoError } from '../../uapi/errno.ts';

const schemas = new Map<string, z.ZodType>();

/** Register the schema of a state format (`name@version`); modules call this at load. */
export function registerStateFormat(format: string, schema: z.ZodType): void {
  const prev = schemas.get(format);
  if (prev && prev !== schema) throw new Error(`state format ${format} registered twice with different schemas`);
  schemas.set(format, schema);
}

export function stateFormatSchema(format: string): z.ZodType | undefined {
  return schemas.get(format);
}

export type Snapshot<T = unknown> = Readonly<T>;

/** Freeze and validate an exported state; throws EINVAL naming the first bad field. */
export function sealSnapshot<T>(format: string, state: T, declared?: z.ZodType): Snapshot<T> {
  const schema = declared ?? schemas.get(format);
  if (!schema) throw new ErrnoError('EINVAL', 'update', undefined, `no schema registered for state format ${format}`);
  const r = schema.safeParse(state);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ErrnoError('EINVAL', 'update', undefined, `exported state does not match ${format}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return freeze(state as object, true) as Snapshot<T>;
}
