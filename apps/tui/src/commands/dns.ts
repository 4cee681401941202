import type { RegisterCommand } from './types.js';
import { listOption } from './options.js';
import { addDnsIndexOptions, addPipelineOptions, type DnsIndexFlags, type PipelineFlags } from './render.js';

export { renderDnsCommand } from './render.js';

export interface DnsServeFlags extends PipelineFlags, DnsIndexFlags {
  listen: string;
  upstream?: string[];
  allow?: string[];
  http?: string;
  workers: string;
  watch: boolean;
}

/** `svcnet dns serve -f PATH --listen 127.0.0.1:5353`: the DNS server on manifests until interrupted. */
export const registerDns: RegisterCommand = (program, setExitCode) => {
  const dns = program.command('dns').description('cluster DNS (CoreDNS kubernetes + forward + cache)');
  addDnsIndexOptions(addPipelineOptions(dns.command('serve').description('serve the cluster zone for the manifests over UDP and TCP (what `svcnet render dns` prints)')))
    .option('--listen <host:port>', 'address for UDP and TCP (CoreDNS bind)', '127.0.0.1:5353')
    .addOption(listOption('--upstream <host:port>', 'resolvers for other names, comma-separated (default: /etc/resolv.conf; "none" answers REFUSED)'))
    .addOption(listOption('--allow <cidrs>', 'answer only clients in these networks, comma-separated CIDRs or addresses (CoreDNS acl); others get REFUSED'))
    .option('--http <host:port>', 'serve /health, /ready and /metrics here')
    .option('--workers <N|auto>', 'DNS servers in all, each with its own SO_REUSEPORT sockets on --listen, answering from one watch of the manifests (svcnet-agent --dns-workers): N is this process\'s main thread and N-1 worker threads; auto: one per core, at most 4; Node before 22.12 runs one and says why', 'auto')
    .option('--no-watch', 'read the manifests once')
    .action(async (flags: DnsServeFlags) => {
      const { serveDns } = await import('../actions/dnsServe.js');
      setExitCode(await serveDns(flags));
    });
};
