/** An endpoint broke HTTP/1.1 framing or syntax: its connection is unusable after this. */
export class UpstreamProtocolError extends Error {
  readonly code = 'UpstreamProtocol';
  constructor(reason: string) {
    super(`ingress: the endpoint sent an invalid HTTP response: ${reason}`);
  }
}
