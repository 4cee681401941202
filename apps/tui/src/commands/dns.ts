import { Command, InvalidArgumentError, Option } from 'commander';
import { ClientAcl, DnsServer, DnsView, RecordIndex, type RecordIndexOptions, renderZone } from '@svcnet/dns';
import { startManifestCluster } from '../manifestCluster.js';
import type { RegisterCommand } from './types.js';

/** Record options as CoreDNS kubernetes plugin directives, declared once for both subcommands. */
const INDEX_FLAGS = [
  { flags: '--zone <zone>', help: 'cluster domain (CoreDNS: the plugin zone)', def: 'cluster.local' },
  { flags: '--ttl <seconds>', help: 'TTL of the records (CoreDNS: ttl)', def: '5' },
  { flags: '--pods <mode>', help: 'pod records: disabled, insecure or verified (CoreDNS: pods)', def: 'disabled' },
  { flags: '--endpoint-pod-names', help: 'name endpoints by their Pod (CoreDNS: endpoint_pod_names)' },
  { flags: '--ignore-empty-service', help: 'NXDOMAIN for Services without ready endpoints (CoreDNS: ignore empty_service)' },
] as const;

interface IndexOpts {
  filename: string[];
  zone: string;
  ttl: string;
  pods: string;
  endpointPodNames?: boolean;
  ignoreEmptyService?: boolean;
}

function indexOptions(o: IndexOpts): RecordIndexOptions {
  return {
    zone: o.zone,
    ttl: Number(o.ttl),
    pods: o.pods as RecordIndexOptions['pods'],
    endpointPodNames: o.endpointPodNames ?? false,
    ignoreEmptyService: o.ignoreEmptyService ?? false,
  };
}

function addIndexFlags(cmd: Command): Command {
  cmd.requiredOption('-f, --filename <path...>', 'manifest files or folders (*.yaml, *.yml, *.json)');
  for (const f of INDEX_FLAGS) cmd.addOption('def' in f ? new Option(f.flags, f.help).default(f.def) : new Option(f.flags, f.help));
  return cmd;
}

/** `svcnet render dns -f FILE|DIR`: every record the cluster zone holds, as a zone file. */
export function renderDnsCommand(setExitCode: (code: number) => void = (c) => void (process.exitCode = c)): Command {
  const cmd = addIndexFlags(new Command('dns').description('print every record the cluster DNS zone holds for the manifests, in zone-file format'));
  cmd.addOption(new Option('--no-reverse', 'leave out PTR records'));
  cmd.action(async (o: IndexOpts & { reverse: boolean }) => {
    const c = await startManifestCluster(o.filename, { watch: false });
    try {
      for (const p of c.sync.problems) console.error(`svcnet: ${p.message}`);
      await c.settle();
      const idx = new RecordIndex(indexOptions(o));
      const view = new DnsView(c.store, idx);
      await view.synced;
      view.stop();
      process.stdout.write(renderZone(idx, { reverse: o.reverse }));
      setExitCode(c.sync.problems.length ? 1 : 0);
    } finally {
      await c.stop();
    }
  });
  return cmd;
}

/** `--allow A,B --allow C`: the networks of every use, each checked as the server will read it. */
function allowList(value: string, previous: readonly string[] = []): string[] {
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  try {
    new ClientAcl(list);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  return [...previous, ...list];
}

/** `svcnet dns serve -f DIR --listen 127.0.0.1:5353`: the DNS server on manifests until interrupted. */
export const registerDns: RegisterCommand = (program, setExitCode) => {
  const dns = program.command('dns').description('cluster DNS (CoreDNS kubernetes + forward + cache)');
  const serve = addIndexFlags(dns.command('serve').description('serve the cluster zone for the manifests over UDP and TCP'));
  serve
    .option('--listen <host:port>', 'address for UDP and TCP', '127.0.0.1:5353')
    .option('--upstream <host:port...>', 'resolvers for other names (default: /etc/resolv.conf)')
    .addOption(new Option('--allow <cidr,...>', 'answer only clients in these networks (CIDRs or addresses, CoreDNS acl); others get REFUSED; repeatable').argParser(allowList))
    .option('--http <host:port>', 'serve /health, /ready and /metrics here')
    .option('--no-watch', 'read the manifests once');
  serve.action(async (o: IndexOpts & { listen: string; upstream?: string[]; allow?: string[]; http?: string; watch: boolean }) => {
    const c = await startManifestCluster(o.filename, { watch: o.watch, readyDelayMs: o.watch ? 1000 : 0 });
    const idx = new RecordIndex(indexOptions(o));
    const view = new DnsView(c.store, idx, { onError: (e) => console.error(`svcnet: plugin/kubernetes: ${e.message}`) });
    const server = new DnsServer({
      index: idx,
      listen: o.listen,
      upstreams: o.upstream,
      allow: o.allow,
      allowSetting: '--allow',
      httpListen: o.http,
      logger: { info: () => undefined, warn: (_obj, msg) => console.error(`svcnet: ${msg}`) },
    });
    try {
      const a = await server.start();
      await view.synced;
      console.error(`svcnet: dns serving ${idx.options.zone} on ${a.udp.address}:${a.udp.port} (udp, tcp)${a.http ? `, http ${a.http.address}:${a.http.port}` : ''}`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      setExitCode(0);
    } catch (e) {
      console.error(`svcnet: ${(e as Error).message}`);
      setExitCode(1);
    } finally {
      view.stop();
      await server.stop();
      await c.stop();
    }
  });
};
