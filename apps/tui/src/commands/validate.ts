import { Option } from 'commander';
import { addFilenameOptions, validateOption } from './kubectl.js';
import type { RegisterCommand } from './types.js';

/** `svcnet validate -f PATH... [-R] [-o table|json] [--validate=strict]`: exit 1 when anything is invalid or unreadable. */
export const registerValidate: RegisterCommand = (program, setExitCode) => {
  addFilenameOptions(program.command('validate').description('default and validate manifests as the API server would; exit 1 if any object is invalid'), true)
    .addOption(new Option('-o, --output <format>', 'table | json').choices(['table', 'json']).default('table'))
    .addOption(validateOption())
    .action(async (flags: { filename: string[]; recursive?: boolean; output: 'table' | 'json'; validate: string }) => {
      const { runValidate } = await import('../actions/validate.js');
      setExitCode(await runValidate(flags));
    });
};
