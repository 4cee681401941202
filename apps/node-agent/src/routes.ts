import type { Agent } from './agent.js';
import type { Handler } from './httpServers.js';

const json = (status: number, body: unknown) => ({ status, type: 'application/json', body: `${JSON.stringify(body)}\n` });

/**
 * The agent's HTTP routes. On the healthz address: /healthz and /livez answer as kube-proxy's
 * ProxyHealthServer (503 when a queued rule change has waited over two sync periods, and when a
 * controller this agent leads has had a change waiting over --controller-health-timeout), /readyz is
 * 200 once the first sync is applied and DNS and ingress have their first lists. On the metrics
 * address: /metrics (one registry for all packages), /status (the status object; `?history=1`
 * adds the recent applied generations with times) and /healthz as well.
 */
export function agentRoutes(agent: Agent): { healthz: Map<string, Handler>; metrics: Map<string, Handler> } {
  const health: Handler = async () => {
    const now = Date.now();
    const stalled = agent.stalledControllers();
    const healthy = agent.proxy.healthy(now) && stalled.length === 0;
    const last = Math.max(0, ...agent.proxy.statuses().map((s) => s.lastSyncAt ?? 0));
    const body = { lastUpdated: last ? new Date(last).toISOString() : '', currentTime: new Date(now).toISOString(), nodeEligible: true, healthy };
    return json(healthy ? 200 : 503, stalled.length ? { ...body, stalledControllers: stalled } : body);
  };
  const ready: Handler = async () => {
    const ok = agent.isReady();
    return { status: ok ? 200 : 503, type: 'text/plain', body: ok ? 'ok\n' : 'not ready: waiting for the first proxy sync and the DNS/ingress lists (or shutting down)\n' };
  };
  const metrics: Handler = async () => ({ status: 200, type: agent.registry.contentType, body: await agent.registry.metrics() });
  const status: Handler = async (url) => {
    const s = await agent.status();
    if (url.searchParams.get('history') === '1') s.history = [...agent.proxy.tracker.history];
    return json(200, s);
  };
  return {
    healthz: new Map([['/healthz', health], ['/livez', health], ['/readyz', ready]]),
    metrics: new Map([['/metrics', metrics], ['/status', status], ['/healthz', health], ['/readyz', ready]]),
  };
}
