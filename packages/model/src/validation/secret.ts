// ValidateSecret: data keys, total size, and the keys each built-in type requires (kubernetes.io/tls
// needs tls.crt and tls.key).
import type { Secret } from 'kubernetes-types/core/v1.js';
import { FieldPath, forbidden, invalid, required, tooLong, type FieldError } from '../fieldErrors.js';
import { isConfigMapKey, nameIsDNSSubdomain } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './objectMeta.js';
import { ANNOTATION_SERVICE_ACCOUNT_NAME, SECRET_TYPE_BASIC_AUTH, SECRET_TYPE_SERVICE_ACCOUNT_TOKEN, SECRET_TYPE_SSH_AUTH, SECRET_TYPE_TLS } from '../wellKnown.js';

export const MAX_SECRET_SIZE = 1024 * 1024;

export function validateSecret(secret: Secret, old?: Secret): FieldError[] {
  const errs = old ? validateObjectMetaUpdate(secret.metadata, old.metadata) : [];
  errs.push(...validateObjectMeta(secret.metadata, true, nameIsDNSSubdomain, 'metadata'));
  const dp = FieldPath.root('data');
  const data = secret.data && typeof secret.data === 'object' ? secret.data : {};
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    for (const m of isConfigMapKey(k)) errs.push(invalid(dp.key(k), k, m));
    size += typeof v === 'string' ? Buffer.from(v, 'base64').length : 0;
  }
  if (size > MAX_SECRET_SIZE) errs.push(tooLong(dp, '', MAX_SECRET_SIZE));
  const has = (k: string) => Object.prototype.hasOwnProperty.call(data, k);
  switch (secret.type) {
    case SECRET_TYPE_TLS:
      if (!has('tls.crt')) errs.push(required(dp.key('tls.crt')));
      if (!has('tls.key')) errs.push(required(dp.key('tls.key')));
      break;
    case SECRET_TYPE_BASIC_AUTH:
      if (!has('username') && !has('password')) errs.push(required(dp.key('username')), required(dp.key('password')));
      break;
    case SECRET_TYPE_SSH_AUTH:
      if (!data['ssh-privatekey']) errs.push(required(dp.key('ssh-privatekey')));
      break;
    case SECRET_TYPE_SERVICE_ACCOUNT_TOKEN:
      if (!secret.metadata?.annotations?.[ANNOTATION_SERVICE_ACCOUNT_NAME]) {
        errs.push(required(FieldPath.root('metadata').child('annotations').key(ANNOTATION_SERVICE_ACCOUNT_NAME)));
      }
      break;
  }
  if (old) {
    if ((old.type ?? '') !== (secret.type ?? '')) errs.push(invalid('type', secret.type ?? '', 'field is immutable'));
    if (old.immutable === true) {
      if (secret.immutable !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
      if (JSON.stringify(old.data ?? {}) !== JSON.stringify(secret.data ?? {})) errs.push(forbidden('data', 'field is immutable when `immutable` is set'));
    }
  }
  return errs;
}
