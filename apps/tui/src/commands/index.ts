import type { RegisterCommand } from './types.js';
import { registerDashboard } from './dashboard.js';
import { registerDns } from './dns.js';
import { registerEnv } from './env.js';
import { registerIngress } from './ingress.js';
import { registerKubectl } from './kubectl.js';
import { registerRender } from './render.js';
import { registerValidate } from './validate.js';

/** Every `svcnet` subcommand, in help order; the dashboard is the default action. */
export const commands: readonly RegisterCommand[] = [
  registerDashboard,
  registerKubectl,
  registerValidate,
  registerRender,
  registerDns,
  registerIngress,
  registerEnv,
];
