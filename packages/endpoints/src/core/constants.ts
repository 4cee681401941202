/** Limits, with upstream's values. The label and annotation names are @svcnet/model's (wellKnown.ts). */
/** Endpoints objects hold at most this many addresses; more are truncated (endpoints_controller.go maxCapacity). */
export const MAX_ENDPOINTS_CAPACITY = 1000;
/** kube-controller-manager's --max-endpoints-per-slice default. */
export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;
