import { hostExec } from '@svcnet/proxy';
import { dataPlaneObjects, type DataPlaneObjects, type SharedInformerFactory, type Store } from '@svcnet/store';
import type { Logger } from 'pino';
import { SimulatedBackends } from './simulatedBackends/simulatedBackends.js';

export interface DataPlaneEndpoints {
  readonly objects: DataPlaneObjects;
  /** With --simulate-backends: this node's simulated Pods answering from this machine. */
  readonly backends: SimulatedBackends | undefined;
  stop(options: { removeAddresses: boolean }): Promise<void>;
}

/**
 * The EndpointSlices and Endpoints this agent's data planes (proxy, ingress) use: one filtered
 * set for both, without the endpoints of simulated Pods (no process behind them, an address on no
 * machine) or of Pods the store does not hold; with `simulateBackends`, this node's simulated Pods
 * are backed first (address and echo servers on this machine) and their endpoints used. Says
 * once when simulated endpoints appear and once when none are left; /status counts them.
 */
export async function startDataPlaneEndpoints(store: Store, o: { node: string; clusterCIDRs: readonly string[]; simulateBackends: boolean; log: Logger; informers: SharedInformerFactory }): Promise<DataPlaneEndpoints> {
  const log = o.log;
  let simulated = 0;
  let backends: SimulatedBackends | undefined;
  const objects = dataPlaneObjects(store, {
    informers: o.informers,
    onError: (e) => log.warn({ err: e.message }, 'data plane endpoints: watch error'),
    onWithheld: (w) => {
      if (w.simulated > 0 && simulated === 0) {
        log.info({ simulatedEndpoints: w.simulated }, 'data plane: endpoints of simulated Pods get no packets (nothing runs behind their addresses; --simulate-backends makes this node\'s answer); /status counts them');
      } else if (w.simulated === 0 && simulated > 0) {
        log.info({}, 'data plane: no endpoints of simulated Pods left out');
      }
      simulated = w.simulated;
    },
    ...(o.simulateBackends ? { backed: (pod) => backends?.isBacked(pod) ?? false } : {}),
  });
  if (o.simulateBackends) {
    backends = new SimulatedBackends(store, { node: o.node, clusterCIDRs: o.clusterCIDRs, exec: hostExec, log, onChange: (key) => objects.podChanged(key), informers: o.informers });
    await backends.start();
    log.info(backends.status(), 'simulated backends: this node\'s simulated Pods answer from this machine');
  }
  return {
    objects,
    backends,
    stop: async ({ removeAddresses }) => {
      await backends?.stop(removeAddresses);
      objects.stop();
    },
  };
}
