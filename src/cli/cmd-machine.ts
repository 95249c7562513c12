/**
 * `modswap machine`: print the modelled machine (CPUs, model, clocks, line
 * size, address-space layout) and its cost table with the source of every
 * value, as text or JSON.
 */
import { flagHelp, parseFlags, UsageError } from './args.ts';
import type { Command } from './command.ts';
import {
  COMMON_PSPECIFIC_BASE,
  COST_MEANING,
  COST_NAMES,
  CPU_MODELS,
  EA_BITS,
  KERNEL_BASE,
  KERNEL_PSPECIFIC_BASE,
  LINE_SIZE,
  Machine,
  MachineConfigError,
  MAX_CPUS,
  PAGE_SIZE,
  USER_PSPECIFIC_BASE,
  hex,
  type CpuModel,
} from '../hw-ppc64/index.ts';

const FLAGS = {
  cpus: { kind: 'int', help: 'number of CPUs', default: 4, min: 1, max: MAX_CPUS, arg: 'N' },
  model: { kind: 'string', help: 'CPU model', default: 'ppc970', choices: CPU_MODELS },
  'core-hz': { kind: 'number', help: 'core clock in Hz (default: per model)', arg: 'HZ' },
  'timebase-hz': { kind: 'number', help: 'timebase frequency in Hz (default: per model)', arg: 'HZ' },
  json: { kind: 'boolean', help: 'print JSON instead of text' },
} as const;

function describe(m: Machine): Record<string, unknown> {
  const s = m.spec;
  return {
    model: m.model,
    title: s.title,
    cpus: m.cpus,
    coreHz: m.coreHz,
    coreHzSource: s.coreHzSource,
    timebaseHz: m.timebaseHz,
    timebaseSource: s.timebaseSource,
    coresPerChip: s.coresPerChip,
    coresPerChipSource: s.coresPerChipSource,
    lineSize: LINE_SIZE,
    pageSize: PAGE_SIZE,
    reservationGranule: LINE_SIZE,
    effectiveAddressBits: EA_BITS,
    regions: {
      kernel: hex(KERNEL_BASE),
      kernelPspecific: hex(KERNEL_PSPECIFIC_BASE),
      commonPspecific: hex(COMMON_PSPECIFIC_BASE),
      userPspecific: hex(USER_PSPECIFIC_BASE),
    },
    memoryBytes: m.config.memoryBytes,
    costs: Object.fromEntries(
      COST_NAMES.map((k) => [k, { cycles: m.costs[k], meaning: COST_MEANING[k], source: s.costs[k].source }]),
    ),
  };
}

function text(m: Machine): string {
  const s = m.spec;
  const ghz = (m.coreHz / 1e9).toFixed(3);
  const mhz = (m.timebaseHz / 1e6).toFixed(3);
  const lines = [
    `machine: ${m.cpus} x ${m.model} (${s.title}), ${s.coresPerChip} core(s) per chip`,
    `  core clock        ${m.coreHz} Hz (${ghz} GHz)  [${s.coreHzSource}]`,
    `  timebase          ${m.timebaseHz} Hz (${mhz} MHz)  [${s.timebaseSource}]`,
    `  cache line        ${LINE_SIZE} bytes (ppc64 Linux L1_CACHE_SHIFT 7)`,
    `  reservation       ${LINE_SIZE}-byte granule = one line [assumption: 970/POWER4 granule not documented]`,
    `  page              ${PAGE_SIZE} bytes`,
    `  addresses         ${EA_BITS}-bit effective addresses (K42 64-bit address >> 12)`,
    `  kernel            ${hex(KERNEL_BASE)}`,
    `  kernel pspecific  ${hex(KERNEL_PSPECIFIC_BASE)}  (K42 KERNEL_PSPECIFIC_BASE 0xD000000000000000)`,
    `  common pspecific  ${hex(COMMON_PSPECIFIC_BASE)}  (K42 COMMON_PSPECIFIC_BASE 0xE000000000000000)`,
    `  user pspecific    ${hex(USER_PSPECIFIC_BASE)}  (K42 USER_PSPECIFIC_BASE 0x7FFFF80000000000)`,
    '',
    'cost table (cycles):',
  ];
  const w = Math.max(...COST_NAMES.map((k) => k.length)) + 2;
  for (const k of COST_NAMES) {
    lines.push(`  ${k.padEnd(w)}${String(m.costs[k]).padStart(6)}  ${COST_MEANING[k]}`);
    lines.push(`  ${''.padEnd(w)}${''.padStart(6)}  source: ${s.costs[k].source}`);
  }
  return lines.join('\n');
}

export const machineCommand: Command = {
  name: 'machine',
  flags: FLAGS,
  summary: 'print the modelled PowerPC machine and its cost table with sources',
  help: () =>
    [
      'usage: modswap machine [--cpus N] [--model ppc970|power5] [--core-hz HZ] [--timebase-hz HZ] [--json]',
      '',
      'Prints the modelled machine (CPUs, model, core and timebase clocks, 128-byte lines,',
      'processor-specific region bases) and its cost table, each value with its source',
      'or the assumption behind it.',
      '',
      flagHelp(FLAGS),
    ].join('\n'),
  run(argv, io) {
    const { flags, positional } = parseFlags('machine', argv, FLAGS);
    if (positional.length > 0) throw new UsageError(`machine: unexpected argument '${positional[0]}'`);
    let m: Machine;
    try {
      m = new Machine({
        cpus: flags.cpus ?? 4,
        model: (flags.model ?? 'ppc970') as CpuModel,
        ...(flags['core-hz'] !== undefined ? { coreHz: flags['core-hz'] } : {}),
        ...(flags['timebase-hz'] !== undefined ? { timebaseHz: flags['timebase-hz'] } : {}),
      });
    } catch (e) {
      if (e instanceof MachineConfigError) throw new UsageError(e.message);
      throw e;
    }
    io.out(flags.json ? JSON.stringify(describe(m), null, 2) : text(m));
    return 0;
  },
};
