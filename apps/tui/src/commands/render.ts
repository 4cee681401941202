import type { RegisterCommand } from './types.js';
import { renderDnsCommand } from './dns.js';
import { renderIngressCommand } from './ingress.js';
import { renderProxyCommand } from './proxy.js';

/** `svcnet render proxy|dns|ingress -f ...`: the pure cores as pipelines from manifests to text. */
export const registerRender: RegisterCommand = (program, setExitCode) => {
  program
    .command('render')
    .description('print what a component would do for some manifests: proxy rules, DNS zone, ingress routes')
    .addCommand(renderProxyCommand(setExitCode))
    .addCommand(renderDnsCommand(setExitCode))
    .addCommand(renderIngressCommand(setExitCode));
};
