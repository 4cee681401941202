import { describe } from 'vitest';
import { MemoryStore } from '../src/index.js';
import { storeContract } from './contract.js';

describe('MemoryStore', () => {
  storeContract({
    open: async (o = {}) => new MemoryStore(o),
    peer: async (s) => s,
  });
});

// The whole contract again with every stored object deep-frozen: proves the store itself never
// mutates an object once stored (what the zero-copy `immutable`/`shared` options rely on).
describe('MemoryStore (freezeObjects)', () => {
  storeContract({
    open: async (o = {}) => new MemoryStore({ ...o, freezeObjects: true }),
    peer: async (s) => s,
  });
});
