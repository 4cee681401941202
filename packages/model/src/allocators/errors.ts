export type AllocationErrorCode = 'AlreadyAllocated' | 'NotInRange' | 'RangeFull' | 'InvalidRange' | 'FamilyNotConfigured';

/**
 * An allocation that cannot be made. `reason` is upstream's text (pkg/registry/core/service/ipallocator
 * and portallocator: `provided port is already allocated`); `field` names the Service field that asked
 * for it when the request came from a Service (`spec.ports[0].nodePort`), and the message then reads as
 * the API server's field error: `spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated`.
 */
export class AllocationError extends Error {
  constructor(
    readonly code: AllocationErrorCode,
    readonly reason: string,
    readonly field?: string,
    readonly value?: string | number,
  ) {
    super(field ? `${field}: Invalid value: ${JSON.stringify(value)}: ${reason}` : reason);
    this.name = 'AllocationError';
  }

  /** The same error, attributed to a Service field. */
  at(field: string, value: string | number): AllocationError {
    return new AllocationError(this.code, this.reason, field, value);
  }
}

export const rangeFull = (): AllocationError => new AllocationError('RangeFull', 'range is full');
