import type { RegisterCommand } from './types.js';

/** Every `svcnet` subcommand, in help order. */
export const commands: readonly RegisterCommand[] = [];
