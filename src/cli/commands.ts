/**
 * The list of `modswap` commands, in the order `--help` shows them.
 *
 * Each command's module is imported only when that command runs (or shows
 * its own help): `modswap --help` and a command's start then load only what
 * they use, not zod, yaml and the whole model (startup is measured in
 * BENCHMARKS.md "CLI"). The name and summary are repeated here from each
 * command's file so the top-level help needs no command module;
 * tests/cli/commands.test.ts keeps the two equal.
 */
import type { Command } from './command.ts';

export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  /** Import the command's module. */
  load(): Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'demo', summary: 'run a built-in demo: the scenario scenarios/NAME.* (modswap demo --list)', load: async () => (await import('./cmd-demo.ts')).demoCommand },
  { name: 'run', summary: 'run scenario files, JSON or YAML (machine, workload, update, expectations)', load: async () => (await import('./cmd-run.ts')).runCommand },
  { name: 'keygen', summary: 'create an Ed25519 key pair for signing update packages', load: async () => (await import('./cmd-package.ts')).keygenCommand },
  { name: 'sign', summary: 'sign an update package manifest (recomputes the code hash)', load: async () => (await import('./cmd-package.ts')).signCommand },
  { name: 'pack', summary: "build a module's source into a signed update package", load: async () => (await import('./cmd-package.ts')).packCommand },
  { name: 'machine', summary: 'print the modelled PowerPC machine and its cost table with sources', load: async () => (await import('./cmd-machine.ts')).machineCommand },
  { name: 'mkfs', summary: 'make a reproducible ext2/ext3 image file (mke2fs if installed, else built in)', load: async () => (await import('./cmd-mkfs.ts')).mkfsCommand },
  { name: 'shell', summary: 'run file-system commands (and live updates) on a booted machine', load: async () => (await import('./cmd-shell.ts')).shellCommand },
  {
    name: 'compare',
    summary: 'run one workload with a live update on the K42 path and the Linux path, side by side',
    load: async () => (await import('./cmd-compare.ts')).compareCommand,
  },
  {
    name: 'fuzz',
    summary: 'property-based differential testing of live update (random workloads, schedules, update points, faults)',
    load: async () => (await import('./cmd-fuzz.ts')).fuzzCommand,
  },
];
