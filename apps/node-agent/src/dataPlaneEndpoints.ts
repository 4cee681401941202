import { dataPlaneObjects, type DataPlaneObjects, type Store } from '@svcnet/store';
import type { Logger } from 'pino';

/**
 * The EndpointSlices and Endpoints this agent's data planes (proxy, ingress) use: one filtered
 * set for both, without the endpoints of simulated Pods (no process behind them, an address on no
 * machine) or of Pods the store does not hold. Says so once when simulated endpoints appear and
 * once when none are left; /status counts them.
 */
export function watchDataPlaneEndpoints(store: Store, log: Logger): DataPlaneObjects {
  let simulated = 0;
  return dataPlaneObjects(store, {
    onError: (e) => log.warn({ err: e.message }, 'data plane endpoints: watch error'),
    onWithheld: (w) => {
      if (w.simulated > 0 && simulated === 0) {
        log.info({ simulatedEndpoints: w.simulated }, 'data plane: endpoints of simulated Pods get no packets (nothing runs behind their addresses); /status counts them');
      } else if (w.simulated === 0 && simulated > 0) {
        log.info({}, 'data plane: no endpoints of simulated Pods left');
      }
      simulated = w.simulated;
    },
  });
}
