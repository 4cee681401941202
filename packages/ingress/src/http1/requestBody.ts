export class BodyTooLargeError extends Error {
  readonly code = 'BodyTooLarge';
  constructor(limit: number) {
    super(`ingress: request body exceeds the limit of ${limit} bytes (raise maxBodyBytes)`);
  }
}
