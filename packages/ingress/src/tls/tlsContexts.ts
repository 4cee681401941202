import { createSecureContext } from 'node:tls';
import type { SecureContext } from 'node:tls';
import type { TlsCertificate } from '../view/ingressView.js';
import type { RouterView } from '../view/routerView.js';
import { findTls } from '../routes/matcher.js';

/**
 * Certificates by SNI: the Ingress `spec.tls` entry covering the name (exact host, then one-label
 * wildcard), its Secret's certificate, else the default certificate. Secure contexts are built once
 * per Secret and dropped when the Secret changes, so the next handshake loads the new certificate.
 */
export class TlsContexts {
  private readonly cache = new Map<string, SecureContext>();
  private readonly fallbackContext: SecureContext | undefined;

  /**
   * `defaultSecret` (`namespace/name`, ingress-nginx's --default-ssl-certificate) wins over
   * `defaultCertificate` while that Secret holds a usable certificate.
   */
  constructor(
    private readonly view: RouterView,
    defaultCertificate: TlsCertificate | undefined,
    private readonly onError: (secret: string, err: Error) => void = () => undefined,
    private readonly defaultSecret?: string,
  ) {
    this.fallbackContext = defaultCertificate ? createSecureContext(defaultCertificate) : undefined;
  }

  invalidate(secret: string): void {
    this.cache.delete(secret);
  }

  /** The certificate for names no Ingress covers: the default Secret's, else the configured (or fake) one. */
  get defaultContext(): SecureContext | undefined {
    return (this.defaultSecret && this.fromSecret(this.defaultSecret)) || this.fallbackContext;
  }

  /** The default Secret's certificate, for the listener's own context (clients without SNI). */
  defaultSecretCertificate(): TlsCertificate | undefined {
    return this.defaultSecret ? this.view.certificate(this.defaultSecret) : undefined;
  }

  private fromSecret(secret: string): SecureContext | undefined {
    let ctx = this.cache.get(secret);
    if (ctx) return ctx;
    const cert = this.view.certificate(secret);
    if (!cert) return undefined;
    try {
      ctx = createSecureContext(cert);
    } catch (e) {
      this.onError(secret, e as Error);
      return undefined;
    }
    this.cache.set(secret, ctx);
    return ctx;
  }

  /** The context for a server name, or undefined when neither a Secret nor a default applies. */
  forName(serverName: string | undefined): SecureContext | undefined {
    const tls = findTls(this.view.table, serverName);
    if (!tls || !tls.secret) return this.defaultContext;
    return this.fromSecret(tls.secret) ?? this.defaultContext;
  }

  sniCallback = (serverName: string, cb: (err: Error | null, ctx?: SecureContext) => void): void => {
    const ctx = this.forName(serverName);
    if (ctx) cb(null, ctx);
    else cb(new Error(`ingress: no certificate for ${JSON.stringify(serverName)} and no default certificate`));
  };
}
