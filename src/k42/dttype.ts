/**
 * Module Description: state-transfer types and their negotiation, after
 * K42 lib/libc/cobj/DTType.H and DataTransfer.{H,C}.
 *
 * A root advertises which formats it can export its state in and which it
 * can import, each as a 64-bit `DTTypeSet` (bit n set = type n supported).
 * A hot-swap takes `export(old) ∩ import(new)` and uses the *lowest* set
 * bit: "the smaller the value, the higher the priority". An empty
 * intersection gives `DTT_ERROR` (64) and the switch fails before anything
 * has changed, so the old object keeps serving.
 *
 * Sets are bigints because K42's are full 64-bit words and type numbers up
 * to 63 are legal. Negotiation runs once per switch, never on a call path.
 */

/** A transfer type: a bit number 0..63, or `DTT_ERROR`. */
export type DTType = number;

// The types defined in K42's DTType.H (counters 1-4, FCMs, factories, ...).
export const DTT_COUNTER_CANONICAL: DTType = 1;
export const DTT_COUNTER_PARTITIONED: DTType = 2;
export const DTT_COUNTER_LOCAL: DTType = 3;
export const DTT_COUNTER_REMOTE: DTType = 4;
export const DTT_FCM_CANONICAL: DTType = 11;
export const DTT_FCM_DEFAULT: DTType = 13;
export const DTT_FCM_PRIVATE: DTType = 15;
/** Used by K42 to time null swaps: no state moves. */
export const DTT_NULL_SWAP: DTType = 16;
/** Factories hand their instance lists over with this type. */
export const DTT_FACTORY_DEFAULT: DTType = 17;
export const DTT_PROCESS_DEFAULT: DTType = 18;
export const DTT_TEST: DTType = 19;
/** Returned by `negotiate` when no type is common. */
export const DTT_ERROR: DTType = 64;

/** A set of transfer types (bit n = type n). */
export type DTTypeSet = bigint;

export const DTTYPESET_EMPTY: DTTypeSet = 0n;

/** The set holding exactly `types`. Throws on a type outside 0..63. */
export function dtTypeSet(...types: DTType[]): DTTypeSet {
  let s = 0n;
  for (const t of types) {
    if (!Number.isInteger(t) || t < 0 || t > 63) throw new RangeError(`DTType must be 0..63, got ${t}`);
    s |= 1n << BigInt(t);
  }
  return s;
}

export function dtTypeSetHas(s: DTTypeSet, t: DTType): boolean {
  return t >= 0 && t < 64 && ((s >> BigInt(t)) & 1n) === 1n;
}

/** Members of a set, lowest first (for messages and traces). */
export function dtTypeSetMembers(s: DTTypeSet): DTType[] {
  const out: DTType[] = [];
  for (let t = 0; t < 64; t++) if (((s >> BigInt(t)) & 1n) === 1n) out.push(t);
  return out;
}

/**
 * `DataTransfer::negotiate`: the lowest bit of `exportSet ∩ importSet`, or
 * `DTT_ERROR` when the intersection is empty.
 */
export function negotiate(exportSet: DTTypeSet, importSet: DTTypeSet): DTType {
  const common = BigInt.asUintN(64, exportSet & importSet);
  if (common === 0n) return DTT_ERROR;
  let t = 0;
  while (((common >> BigInt(t)) & 1n) === 0n) t++;
  return t;
}

/** Names for the defined types (trace and error text). */
const DTT_NAMES: Readonly<Record<number, string>> = {
  1: 'DTT_COUNTER_CANONICAL',
  2: 'DTT_COUNTER_PARTITIONED',
  3: 'DTT_COUNTER_LOCAL',
  4: 'DTT_COUNTER_REMOTE',
  11: 'DTT_FCM_CANONICAL',
  13: 'DTT_FCM_DEFAULT',
  15: 'DTT_FCM_PRIVATE',
  16: 'DTT_NULL_SWAP',
  17: 'DTT_FACTORY_DEFAULT',
  18: 'DTT_PROCESS_DEFAULT',
  19: 'DTT_TEST',
  64: 'DTT_ERROR',
};

export function dtTypeName(t: DTType): string {
  return DTT_NAMES[t] ?? `DTT_${t}`;
}

/**
 * The payload an old root exports and a new root imports
 * (`DataTransferObject`). Roots subclass it or pass any object; the
 * negotiated type tells the importer how to read it.
 */
export interface DataTransferObject {
  readonly dtt: DTType;
}
