import { setFlagsFromString } from 'node:v8';

/**
 * Turns off V8's allocation-site pretenuring for the dashboard's process. Call it before Ink loads.
 *
 * Why: every frame Ink 6.8 builds a grid of one object per screen cell and tokenizes every line
 * again (Output.get: ~1.3 MB of short-lived objects for 160x50). When a scavenge lands inside a
 * frame, those objects are all alive, V8 sees a high survival rate at their allocation sites and
 * from then on allocates them straight into the old generation (pretenuring). Each frame's garbage
 * then waits for a full mark-compact: at 10,000 Services under churn that was ~100 MB of old-space
 * garbage in 10 s and most of the dashboard's RSS above its live heap (bench/tui, decision 019).
 * Without pretenuring they die young in the scavenger, as short-lived objects should.
 * The flag only changes where objects are first allocated; V8 reads it when it processes
 * pretenuring feedback after a scavenge, so setting it at run time takes effect for later GCs.
 */
export function keepFrameGarbageYoung(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}
