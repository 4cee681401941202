import { describe } from 'vitest';
import { MemoryStore } from '../src/index.js';
import { storeContract } from './contract.js';

describe('MemoryStore', () => {
  storeContract({
    open: async (o = {}) => new MemoryStore(o),
    peer: async (s) => s,
  });
});
