// Ctrl-C (or a supervisor's SIGTERM) while the agent is still starting is a stop the user asked for:
// the agent stops what it started and exits 0, as it does after start-up.
import { expect, it } from 'vitest';
import { runAgentUntil } from './fixtures.js';

it('exits 0 on SIGTERM during start-up and after it', async () => {
  for (const when of ['listening', 'started'] as const) {
    // The first line that says the agent is listening comes before start-up ends.
    const { code, log } = await runAgentUntil(when === 'listening' ? 'health and metrics listening' : '"agent: started"');
    expect(code, log).toBe(0);
    expect(log).toMatch(/agent: stopping/);
    expect(log).not.toMatch(/"level":50/);
  }
}, 150_000);
