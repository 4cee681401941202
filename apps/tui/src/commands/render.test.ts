import { Command } from 'commander';
import { DEFAULT_INGRESS_CONTROLLER } from '@svcnet/model';
import { describe, expect, it } from 'vitest';
import { addIngressClassOptions } from './render.js';

// Command declarations import no package (so `svcnet --help` starts fast) and so spell the
// IngressClass controller default themselves; model's wellKnown.test.ts allows that one place, and
// this holds it equal to the name the router uses.
describe('render ingress flags', () => {
  it('--controller defaults to the ingress router controller name', () => {
    const cmd = addIngressClassOptions(new Command('ingress'));
    expect(cmd.opts().controller).toBe(DEFAULT_INGRESS_CONTROLLER);
  });
});
