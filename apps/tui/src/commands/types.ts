import type { Command } from 'commander';

/** Adds one subcommand to the program; its action reports its exit code through setExitCode. */
export type RegisterCommand = (program: Command, setExitCode: (code: number) => void) => void;
