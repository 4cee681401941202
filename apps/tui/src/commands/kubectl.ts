import { InvalidArgumentError, Option, type Command } from 'commander';
import type { RegisterCommand } from './types.js';

export interface StoreFlags {
  /** Required; checked by the action so that its absence gets a sentence saying what to do. */
  redis?: string;
  /** Replicas that must acknowledge each write (svcnet-agent's --redis-min-replicas). */
  redisMinReplicas?: number;
}
export interface GetFlags extends StoreFlags {
  namespace: string;
  allNamespaces?: boolean;
  output?: string;
  selector?: string;
}
export interface ObjectFlags extends StoreFlags {
  namespace: string;
}
export interface ApplyFlags extends StoreFlags {
  filename: string[];
  recursive?: boolean;
  validate: string;
}
export interface DeleteFlags extends ObjectFlags {
  filename?: string[];
  recursive?: boolean;
  ignoreNotFound?: boolean;
}

const redisOption = () =>
  new Option('--redis <url>', 'the shared store that agents use (redis://, rediss://, unix:///path); required').env('SVCNET_REDIS');
const minReplicasOption = () =>
  new Option('--redis-min-replicas <n>', 'acknowledge a write only once n Redis replicas have it (WAIT; as svcnet-agent\'s flag): a failover then loses none')
    .env('SVCNET_REDIS_MIN_REPLICAS')
    .argParser((v: string) => {
      if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError('write a whole number, e.g. 1');
      return Number(v);
    });
const kindArgument = 'svc, ep, eps, pod, ing, ingressclass, node, secret';

/** kubectl's -f: files, folders (their top-level files, or all with -R) and `-` for stdin; repeatable. */
export function addFilenameOptions(cmd: Command, required: boolean, what = 'manifest files or folders'): Command {
  const flags = '-f, --filename <paths...>';
  const help = `${what} (*.yaml, *.yml, *.json; a folder means its files, -R its subfolders too; - reads stdin); repeatable`;
  if (required) cmd.requiredOption(flags, help);
  else cmd.option(flags, help);
  return cmd.option('-R, --recursive', 'process the folders named in -f recursively');
}

/** `--validate=strict|warn|ignore`, as kubectl's: what an unknown field does. */
export const validateOption = () =>
  new Option('--validate <mode>', 'unknown fields: warn (print a warning), strict (an error), ignore').choices(['strict', 'warn', 'ignore', 'true', 'false']).default('warn');

/** `svcnet get|describe|apply|delete` against a Redis store, printed in kubectl's layouts. */
export const registerKubectl: RegisterCommand = (program, setExitCode) => {
  type Actions = typeof import('../actions/kubectl.js');
  const run = async (call: (actions: Actions) => Promise<number>) => setExitCode(await call(await import('../actions/kubectl.js')));
  program
    .command('get')
    .description("list objects from the shared store in kubectl's table layout")
    .argument('<kind>', `${kindArgument}; a comma list (svc,pods), all, or KIND/NAME`)
    .argument('[name]', 'one object by name')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('-l, --selector <query>', 'label selector, as kubectl (-l app=web,tier!=db)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['wide', 'yaml', 'json', 'name']))
    .addOption(redisOption())
    .addOption(minReplicasOption())
    .action((kind: string, name: string | undefined, flags: GetFlags) => run((a) => a.get(kind, name, flags)));

  program
    .command('describe')
    .description('show one object in detail, like kubectl describe')
    .argument('<kind>', kindArgument)
    .argument('<name>')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .addOption(redisOption())
    .addOption(minReplicasOption())
    .action((kind: string, name: string, flags: ObjectFlags) => run((a) => a.describe(kind, name, flags)));

  addFilenameOptions(
    program.command('apply').description('create or update objects from manifests in the shared store (validated first)'),
    true,
  )
    .addOption(validateOption())
    .addOption(redisOption())
    .addOption(minReplicasOption())
    .action((flags: ApplyFlags) => run((a) => a.apply(flags)));

  addFilenameOptions(
    program
      .command('delete')
      .description('delete objects from the shared store: KIND NAME..., or those in -f manifests')
      .argument('[kind]', kindArgument)
      .argument('[names...]', 'objects by name'),
    false,
  )
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('--ignore-not-found', 'treat a missing object as deleted')
    .addOption(redisOption())
    .addOption(minReplicasOption())
    .action((kind: string | undefined, names: string[], flags: DeleteFlags) => run((a) => a.deleteObjects(kind, names, flags)));
};
