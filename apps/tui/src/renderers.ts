import type { DetailRenderers } from './dashboard/detailText.js';

/** Proxy rules and DNS records for the dashboard's detail views, from @svcnet/proxy and @svcnet/dns. */
export function detailRenderers(): DetailRenderers {
  return {};
}
