/**
 * Field errors as k8s.io/apimachinery/pkg/util/validation/field words them: the path, the error type's
 * text, the bad value and a detail. `String(error)` gives upstream's `spec.ports[0].port: Invalid value:
 * 0: must be between 1 and 65535, inclusive`.
 */
export type FieldErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError'
  | 'FieldValueTypeInvalid';

const TYPE_TEXT: Record<FieldErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
  FieldValueTypeInvalid: 'Invalid value',
};

export class FieldError {
  constructor(
    readonly type: FieldErrorType,
    readonly field: string,
    readonly badValue: unknown,
    readonly detail: string,
  ) {}

  /** Upstream's ErrorBody: the type's text, then the value where the type shows one, then the detail. */
  get body(): string {
    let s = TYPE_TEXT[this.type];
    const showsValue = this.type !== 'FieldValueRequired' && this.type !== 'FieldValueForbidden' &&
      this.type !== 'FieldValueTooLong' && this.type !== 'InternalError';
    if (showsValue && this.badValue !== OMIT) s += `: ${formatValue(this.badValue)}`;
    if (this.detail) s += `: ${this.detail}`;
    return s;
  }

  toString(): string {
    return this.field ? `${this.field}: ${this.body}` : this.body;
  }
}

/** Marks a bad value that the message must not print (upstream's omitValue). */
export const OMIT: unique symbol = Symbol('omit');

function formatValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** A field path under construction: `root('spec').child('ports').index(1).child('name')`. */
export class FieldPath {
  private constructor(private readonly text: string) {}

  static root(name: string): FieldPath {
    return new FieldPath(name);
  }

  child(name: string, ...more: string[]): FieldPath {
    let t = this.text ? `${this.text}.${name}` : name;
    for (const m of more) t += `.${m}`;
    return new FieldPath(t);
  }

  index(i: number): FieldPath {
    return new FieldPath(`${this.text}[${i}]`);
  }

  key(k: string): FieldPath {
    return new FieldPath(`${this.text}[${k}]`);
  }

  toString(): string {
    return this.text;
  }
}

type P = FieldPath | string;
export const required = (p: P, detail = '') => new FieldError('FieldValueRequired', String(p), '', detail);
export const invalid = (p: P, value: unknown, detail: string) => new FieldError('FieldValueInvalid', String(p), value, detail);
export const notSupported = (p: P, value: unknown, valid: readonly string[]) =>
  new FieldError('FieldValueNotSupported', String(p), value, valid.length ? `supported values: ${valid.map((v) => JSON.stringify(v)).join(', ')}` : '');
export const duplicate = (p: P, value: unknown) => new FieldError('FieldValueDuplicate', String(p), value, '');
export const forbidden = (p: P, detail: string) => new FieldError('FieldValueForbidden', String(p), '', detail);
export const tooLong = (p: P, _value: unknown, max: number) =>
  new FieldError('FieldValueTooLong', String(p), OMIT, `may not be more than ${max} bytes`);
export const tooMany = (p: P, actual: number, max: number) =>
  new FieldError('FieldValueTooMany', String(p), actual, `must have at most ${max} items`);
export const notFound = (p: P, value: unknown) => new FieldError('FieldValueNotFound', String(p), value, '');
export const typeInvalid = (p: P, value: unknown, detail: string) => new FieldError('FieldValueTypeInvalid', String(p), value, detail);

/**
 * An object rejected by validation, worded as the API server's 422:
 * `Service "web" is invalid: spec.ports[1].name: Required value` (several errors in brackets).
 */
export class InvalidObjectError extends Error {
  readonly code = 'Invalid' as const;

  constructor(
    readonly kind: string,
    readonly objectName: string,
    readonly errors: readonly FieldError[],
  ) {
    const list = errors.map(String);
    super(`${kind} "${objectName}" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`);
    this.name = 'InvalidObjectError';
  }
}
