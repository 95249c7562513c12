/** The list of `modswap` commands, in the order `--help` shows them. */
import type { Command } from './command.ts';
import { demoCommand } from './cmd-demo.ts';
import { keygenCommand, packCommand, signCommand } from './cmd-package.ts';
import { machineCommand } from './cmd-machine.ts';
import { shellCommand } from './cmd-shell.ts';
import { mkfsCommand } from './cmd-mkfs.ts';
import { runCommand } from './cmd-run.ts';
import { fuzzCommand } from './cmd-fuzz.ts';
import { compareCommand } from './cmd-compare.ts';

export const COMMANDS: Command[] = [demoCommand, runCommand, keygenCommand, signCommand, packCommand, machineCommand, mkfsCommand, shellCommand, compareCommand, fuzzCommand];
