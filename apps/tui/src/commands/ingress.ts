import type { RegisterCommand } from './types.js';
import { listOption } from './options.js';
import { addIngressClassOptions, addPipelineOptions, type IngressClassFlags, type PipelineFlags } from './render.js';

export { renderIngressCommand } from './render.js';

export interface IngressServeFlags extends PipelineFlags, IngressClassFlags {
  listen: string;
  listenTls?: string;
  defaultCert?: string;
  defaultKey?: string;
  defaultSslCertificate?: string;
  trustedProxy?: string[];
  maxBodySize: string;
  workers?: string;
}

/** `svcnet ingress serve`: the router on manifests, until Ctrl-C. */
export const registerIngress: RegisterCommand = (program, setExitCode) => {
  const ingress = program.command('ingress').description('the Ingress host/path router');
  addIngressClassOptions(
    addPipelineOptions(
      ingress
        .command('serve')
        .description('route HTTP(S) by the Ingresses in manifests to the endpoints of their Services (EndpointSlices or Endpoints); files are re-read on change'),
    ),
  )
    .option('--listen <host:port>', 'HTTP listener', '127.0.0.1:8080')
    .option('--listen-tls <host:port>', 'HTTPS listener (certificates by SNI from spec.tls Secrets)')
    .option('--default-cert <file>', 'PEM certificate for TLS names no Ingress covers')
    .option('--default-key <file>', 'PEM key of --default-cert')
    .option('--default-ssl-certificate <namespace/secret>', 'a TLS Secret of the manifests as the default certificate (ingress-nginx\'s flag); without it or --default-cert, a self-signed one made at start')
    .addOption(
      listOption(
        '--trusted-proxy <cidrs>',
        'believe X-Forwarded-For/-Host/-Port/-Proto only from clients in these CIDRs or addresses (comma-separated, repeatable; svcnet-agent --ingress-trusted-proxy); from any other client X-Forwarded-For is replaced by its address',
      ),
    )
    .option('--max-body-size <bytes>', 'largest request body (413 above)', String(1024 * 1024))
    .option('--workers <N|auto>', 'routers in all, each with its own SO_REUSEPORT listeners, routing from one watch of the manifests (svcnet-agent --ingress-workers): N is this process\'s main thread and N-1 worker threads; auto: one per core, at most 4; Node before 22.12 runs one and says why', 'auto')
    .action(async (flags: IngressServeFlags) => {
      const { serveIngress } = await import('../actions/ingressServe.js');
      setExitCode(await serveIngress(flags));
    });
};
