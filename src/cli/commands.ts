/** The list of `modswap` commands, in the order `--help` shows them. */
import type { Command } from './command.ts';
import { demoCommand } from './cmd-demo.ts';

export const COMMANDS: Command[] = [demoCommand];
