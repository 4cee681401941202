import type { Pod, Service } from '@svcnet/model';
import { podTriggerTime } from './podRules.js';
import { parseTime } from './time.js';

interface ServiceState {
  serviceTime: number | undefined;
  podTimes: Map<string, number>;
}

/**
 * TriggerTimeTracker (k8s.io/endpointslice/util/trigger_time_tracker.go): the time of the earliest
 * change that the next Endpoints/EndpointSlice write reflects. The first sync of a Service reports
 * its creationTimestamp; later syncs the minimum of the pods' Ready-transition times and the
 * Service's time that moved forward since the previous sync; undefined when none did.
 */
export class TriggerTimeTracker {
  private readonly states = new Map<string, ServiceState>();

  compute(service: Service, pods: readonly Pod[]): number | undefined {
    const key = `${service.metadata?.namespace ?? 'default'}/${service.metadata?.name ?? ''}`;
    const state = this.states.get(key);
    let min: number | undefined;
    const podTimes = new Map<string, number>();
    for (const pod of pods) {
      const t = parseTime(podTriggerTime(pod));
      if (t === undefined) continue;
      const name = pod.metadata?.name ?? '';
      podTimes.set(name, t);
      if (t > (state?.podTimes.get(name) ?? -Infinity)) min = min === undefined ? t : Math.min(min, t);
    }
    const serviceTime = parseTime(service.metadata?.creationTimestamp);
    if (serviceTime !== undefined && serviceTime > (state?.serviceTime ?? -Infinity)) {
      min = min === undefined ? serviceTime : Math.min(min, serviceTime);
    }
    this.states.set(key, { serviceTime, podTimes });
    if (!state) return serviceTime;
    return min;
  }

  deleteService(namespace: string, name: string): void {
    this.states.delete(`${namespace}/${name}`);
  }
}
