/**
 * Machine configuration: how many CPUs, which model, clock frequencies, how
 * much modelled physical memory, and the engine options passed through.
 *
 * `resolveConfig` validates a user config and fills in the model's defaults.
 * Every problem is reported as one line (`MachineConfigError`), naming the
 * field, what it must be and what it got, so the CLI can print it as is.
 */
import type { PerturbConfig } from '../sim/engine.ts';
import { COST_NAMES, CPU_MODELS, MODEL_SPECS, type CostName, type CpuModel } from './costs.ts';

export const MAX_CPUS = 256;
/** Physical memory is addressed with 31-bit integers (cheap bit operations on hot paths). */
export const MAX_MEMORY_BYTES = 2 ** 30;

export interface MachineConfig {
  /** 1 to 256 CPUs (cores; SMT threads are not modelled). */
  cpus: number;
  model: CpuModel;
  /** Core clock in Hz; default per model (costs.ts). */
  coreHz?: number;
  /** Timebase frequency in Hz; default per model. Must not exceed coreHz. */
  timebaseHz?: number;
  /** Modelled physical memory in bytes, a multiple of 4096 (default 256 MiB). */
  memoryBytes?: number;
  /** Scheduler time slice in microseconds (default 1000). */
  quantumUs?: number;
  /** Override individual cost-table entries (cycles), for experiments. */
  costs?: Partial<Record<CostName, number>>;
  seed?: number;
  perturb?: PerturbConfig | null;
  trace?: boolean | { calls?: boolean };
}

export interface ResolvedConfig {
  readonly cpus: number;
  readonly model: CpuModel;
  readonly coreHz: number;
  readonly timebaseHz: number;
  readonly memoryBytes: number;
  readonly quantumUs: number;
  readonly costs: Partial<Record<CostName, number>>;
  readonly seed: number;
  readonly perturb: PerturbConfig | null;
  readonly trace: boolean | { calls?: boolean };
}

export class MachineConfigError extends Error {
  constructor(message: string) {
    super(`machine: ${message}`);
    this.name = 'MachineConfigError';
  }
}

const KEYS = new Set(['cpus', 'model', 'coreHz', 'timebaseHz', 'memoryBytes', 'quantumUs', 'costs', 'seed', 'perturb', 'trace']);

function show(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : String(v);
}

function positive(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new MachineConfigError(`${name} must be a positive number, got ${show(v)}`);
  }
  return v;
}

export function resolveConfig(c: MachineConfig): ResolvedConfig {
  if (typeof c !== 'object' || c === null) throw new MachineConfigError('config must be an object');
  for (const k of Object.keys(c)) if (!KEYS.has(k)) throw new MachineConfigError(`unknown config field '${k}'`);
  const { cpus, model } = c;
  if (typeof cpus !== 'number' || !Number.isInteger(cpus) || cpus < 1 || cpus > MAX_CPUS) {
    throw new MachineConfigError(`cpus must be an integer from 1 to ${MAX_CPUS}, got ${show(cpus)}`);
  }
  if (!CPU_MODELS.includes(model)) {
    throw new MachineConfigError(`model must be one of ${CPU_MODELS.join(', ')}, got ${show(model)}`);
  }
  const spec = MODEL_SPECS[model];
  const coreHz = positive('coreHz', c.coreHz ?? spec.defaultCoreHz);
  if (!Number.isInteger(coreHz) || coreHz < 1e6) throw new MachineConfigError(`coreHz must be an integer of at least 1 MHz, got ${coreHz}`);
  const timebaseHz = positive('timebaseHz', c.timebaseHz ?? spec.defaultTimebaseHz);
  if (!Number.isInteger(timebaseHz)) throw new MachineConfigError(`timebaseHz must be an integer, got ${timebaseHz}`);
  if (timebaseHz > coreHz) throw new MachineConfigError(`timebaseHz (${timebaseHz}) must not exceed coreHz (${coreHz})`);
  const memoryBytes = positive('memoryBytes', c.memoryBytes ?? 256 * 2 ** 20);
  if (memoryBytes % 4096 !== 0 || memoryBytes > MAX_MEMORY_BYTES) {
    throw new MachineConfigError(`memoryBytes must be a multiple of 4096 up to ${MAX_MEMORY_BYTES}, got ${memoryBytes}`);
  }
  const quantumUs = positive('quantumUs', c.quantumUs ?? 1000);
  const costs = c.costs ?? {};
  for (const [k, v] of Object.entries(costs)) {
    if (!(COST_NAMES as readonly string[]).includes(k)) throw new MachineConfigError(`unknown cost '${k}'`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new MachineConfigError(`cost ${k} must be a number >= 0, got ${show(v)}`);
  }
  const seed = c.seed ?? 1;
  if (!Number.isInteger(seed)) throw new MachineConfigError(`seed must be an integer, got ${show(seed)}`);
  return { cpus, model, coreHz, timebaseHz, memoryBytes, quantumUs, costs, seed, perturb: c.perturb ?? null, trace: c.trace ?? false };
}
