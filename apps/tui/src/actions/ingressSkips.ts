import { objectKey, type Ingress, type IngressClass } from '@svcnet/model';
import { whyNotOurs, type IngressClassOptions } from '@svcnet/ingress';

/** The Ingresses this router leaves to another controller, each with why and the flag that would include it. */
export function skippedIngresses(ingresses: readonly Ingress[], classes: readonly IngressClass[], options: IngressClassOptions): { ingress: string; reason: string }[] {
  const out: { ingress: string; reason: string }[] = [];
  for (const i of ingresses) {
    const reason = whyNotOurs(i, classes, options);
    if (reason) out.push({ ingress: objectKey(i), reason });
  }
  return out;
}
