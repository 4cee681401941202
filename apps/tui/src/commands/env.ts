import { Option } from 'commander';
import { addFilenameOptions, validateOption } from './kubectl.js';
import { serviceRangeOption } from './options.js';
import type { RegisterCommand } from './types.js';

export interface EnvFlags {
  namespace: string;
  filename?: string[];
  recursive?: boolean;
  validate: string;
  serviceClusterIpRange: string[];
  redis?: string;
  output: 'env' | 'json';
}

/** `svcnet env -n NS -f PATH | --redis URL`: the Service variables a Pod in NS would get. */
export const registerEnv: RegisterCommand = (program, setExitCode) => {
  addFilenameOptions(
    program
      .command('env')
      .description("print the Service environment variables (FOO_SERVICE_HOST, FOO_PORT, ...) a Pod in a namespace would get, as the kubelet sets them"),
    false,
  )
    .option('-n, --namespace <ns>', 'the Pod\'s namespace', 'default')
    .addOption(validateOption())
    .addOption(serviceRangeOption())
    .addOption(new Option('--redis <url>', 'read the Services from the shared store instead of manifests').env('SVCNET_REDIS'))
    .addOption(new Option('-o, --output <format>', 'env (NAME=value lines) | json').choices(['env', 'json']).default('env'))
    .action(async (flags: EnvFlags) => {
      const { printEnv } = await import('../actions/env.js');
      setExitCode(await printEnv(flags));
    });
};
