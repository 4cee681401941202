import type { KubeConfig, Watch } from '@kubernetes/client-node';
import { clientNode } from './clientNode.js';

/**
 * client-node's Watch, asking for what client-go's reflector asks for: BOOKMARK events
 * (`allowWatchBookmarks=true`, so an idle watch still advances its resourceVersion and we learn the
 * stream is alive) and a server-side `timeoutSeconds`, so a silently dead connection is replaced
 * within minutes. Every event is reported to `onEvent` before the informer sees it, and a watch that
 * connects after the source stopped is closed at once.
 */
export interface WatchHooks {
  onEvent: (type: string) => void;
  timeoutSeconds: () => number;
  stopped: () => boolean;
}

/** A new ObservedWatch (the class is made on first use, since client-node is loaded lazily). */
export function observedWatch(config: KubeConfig, hooks: WatchHooks): Watch {
  observedWatchClass ??= defineObservedWatch(clientNode().Watch);
  return new observedWatchClass(config, hooks);
}

let observedWatchClass: (new (config: KubeConfig, hooks: WatchHooks) => Watch) | undefined;

const defineObservedWatch = (Base: typeof Watch) =>
  class ObservedWatch extends Base {
    constructor(
      config: KubeConfig,
      private readonly hooks: WatchHooks,
    ) {
      super(config);
    }

    override async watch(
      path: string,
      queryParams: Record<string, string | number | boolean | undefined>,
      callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
      done: (err: unknown) => void,
    ): Promise<AbortController> {
      const params = { ...queryParams, allowWatchBookmarks: true, timeoutSeconds: this.hooks.timeoutSeconds() };
      const controller = await super.watch(
        path,
        params,
        (phase, obj, watchObj) => {
          if (this.hooks.stopped()) return;
          this.hooks.onEvent(phase);
          callback(phase, obj, watchObj);
        },
        done,
      );
      // ListWatch.stop() during the connect cannot abort a request it does not hold yet: do it here.
      if (this.hooks.stopped()) controller.abort();
      return controller;
    }
  };
