import { createSecureContext } from 'node:tls';
import type { SecureContext } from 'node:tls';
import type { IngressView, TlsCertificate } from './ingressView.js';
import { findTls } from './matcher.js';

/**
 * Certificates by SNI: the Ingress `spec.tls` entry covering the name (exact host, then one-label
 * wildcard), its Secret's certificate, else the default certificate. Secure contexts are built once
 * per Secret and dropped when the Secret changes, so the next handshake loads the new certificate.
 */
export class TlsContexts {
  private readonly cache = new Map<string, SecureContext>();
  private defaultContext: SecureContext | undefined;

  constructor(
    private readonly view: IngressView,
    defaultCertificate: TlsCertificate | undefined,
    private readonly onError: (secret: string, err: Error) => void = () => undefined,
  ) {
    this.defaultContext = defaultCertificate ? createSecureContext(defaultCertificate) : undefined;
  }

  invalidate(secret: string): void {
    this.cache.delete(secret);
  }

  /** The context for a server name, or undefined when neither a Secret nor a default applies. */
  forName(serverName: string | undefined): SecureContext | undefined {
    const tls = findTls(this.view.table, serverName);
    if (!tls || !tls.secret) return this.defaultContext;
    let ctx = this.cache.get(tls.secret);
    if (ctx) return ctx;
    const cert = this.view.certificate(tls.secret);
    if (!cert) return this.defaultContext;
    try {
      ctx = createSecureContext(cert);
    } catch (e) {
      this.onError(tls.secret, e as Error);
      return this.defaultContext;
    }
    this.cache.set(tls.secret, ctx);
    return ctx;
  }

  sniCallback = (serverName: string, cb: (err: Error | null, ctx?: SecureContext) => void): void => {
    const ctx = this.forName(serverName);
    if (ctx) cb(null, ctx);
    else cb(new Error(`ingress: no certificate for ${JSON.stringify(serverName)} and no default certificate`));
  };
}
