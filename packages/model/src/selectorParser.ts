// The label selector grammar of apimachinery's labels/selector.go, lexer and recursive-descent parser.

export type Operator = '=' | '==' | '!=' | 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  readonly values: readonly string[];
}

/** A selector text or LabelSelector that cannot be parsed; the message says where and what was expected. */
export class SelectorError extends Error {
  readonly code = 'InvalidSelector' as const;
  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}

type Tok = 'id' | 'in' | 'notin' | '=' | '==' | '!=' | '!' | '(' | ')' | ',' | '>' | '<' | 'end';

interface Token {
  readonly t: Tok;
  readonly lit: string;
  readonly pos: number;
}

const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);
const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';

function lex(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    const pos = i;
    if (SPECIAL.has(c)) {
      const two = s.slice(i, i + 2);
      if (two === '==' || two === '!=') {
        out.push({ t: two, lit: two, pos });
        i += 2;
      } else {
        out.push({ t: c as Tok, lit: c, pos });
        i++;
      }
      continue;
    }
    let j = i;
    while (j < s.length && !SPECIAL.has(s[j]!) && !isSpace(s[j]!)) j++;
    const lit = s.slice(i, j);
    out.push({ t: lit === 'in' ? 'in' : lit === 'notin' ? 'notin' : 'id', lit, pos });
    i = j;
  }
  out.push({ t: 'end', lit: '', pos: s.length });
  return out;
}

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** validation.IsQualifiedName: `[prefix/]name`, name at most 63 characters, prefix a DNS-1123 subdomain. */
export function qualifiedNameError(key: string): string | undefined {
  const parts = key.split('/');
  let name = key;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) return 'prefix part must be non-empty';
    if (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)) return 'prefix part must be a lowercase RFC 1123 subdomain';
  } else if (parts.length > 2) {
    return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', with an optional DNS subdomain prefix and '/'";
  }
  if (name.length === 0) return 'name part must be non-empty';
  if (name.length > 63) return 'name part must be no more than 63 characters';
  if (!NAME.test(name)) return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  return undefined;
}

/** validation.IsValidLabelValue. */
export function labelValueError(v: string): string | undefined {
  if (v.length > 63) return 'must be no more than 63 characters';
  if (!LABEL_VALUE.test(v)) return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  return undefined;
}

// In key and value positions `in` and `notin` are plain words (upstream lexes them in Values mode).
const isWord = (t: Token) => t.t === 'id' || t.t === 'in' || t.t === 'notin';

function describe(t: Token): string {
  return t.t === 'end' ? 'end of string' : `'${t.lit}'`;
}

/** Parses selector text into requirements (unsorted); throws SelectorError. */
export function parseRequirements(text: string): Requirement[] {
  const toks = lex(text);
  let p = 0;
  const peek = () => toks[p]!;
  const next = () => toks[p++]!;
  const fail = (t: Token, expected: string): never => {
    throw new SelectorError(`unable to parse selector ${JSON.stringify(text)}: found ${describe(t)} at position ${t.pos}, expected: ${expected}`);
  };
  const checkKey = (key: string) => {
    const err = qualifiedNameError(key);
    if (err) throw new SelectorError(`unable to parse selector ${JSON.stringify(text)}: invalid label key ${JSON.stringify(key)}: ${err}`);
  };
  const checkValue = (v: string) => {
    const err = labelValueError(v);
    if (err) throw new SelectorError(`unable to parse selector ${JSON.stringify(text)}: invalid label value ${JSON.stringify(v)}: ${err}`);
  };

  const reqs: Requirement[] = [];
  if (peek().t === 'end') return reqs;
  for (;;) {
    let t = next();
    if (t.t === '!') {
      const k = next();
      if (!isWord(k)) fail(k, 'identifier after \'!\'');
      checkKey(k.lit);
      reqs.push({ key: k.lit, operator: 'DoesNotExist', values: [] });
    } else {
      if (!isWord(t)) fail(t, 'identifier');
      const key = t.lit;
      checkKey(key);
      const op = peek();
      if (op.t === ',' || op.t === 'end') {
        reqs.push({ key, operator: 'Exists', values: [] });
      } else {
        next();
        switch (op.t) {
          case '=':
          case '==':
          case '!=': {
            // A bare operator at the end (`x=`) or before a comma means the empty value.
            const v = isWord(peek()) ? next().lit : '';
            checkValue(v);
            reqs.push({ key, operator: op.t, values: [v] });
            break;
          }
          case '>':
          case '<': {
            const v = next();
            if (v.t !== 'id' || !/^[+-]?\d+$/.test(v.lit)) throw new SelectorError(`unable to parse selector ${JSON.stringify(text)}: for 'Gt', 'Lt' operators, the value must be an integer, got ${describe(v)}`);
            reqs.push({ key, operator: op.t === '>' ? 'Gt' : 'Lt', values: [v.lit] });
            break;
          }
          case 'in':
          case 'notin': {
            const open = next();
            if (open.t !== '(') fail(open, "'('");
            const values: string[] = [];
            let expectValue = true;
            for (;;) {
              const v = next();
              if (v.t === ')') {
                if (expectValue) values.push('');
                break;
              }
              if (v.t === ',') {
                if (expectValue) values.push('');
                expectValue = true;
                continue;
              }
              if (!isWord(v)) fail(v, "a value, ',' or ')'");
              if (!expectValue) fail(v, "',' or ')'");
              checkValue(v.lit);
              values.push(v.lit);
              expectValue = false;
            }
            reqs.push({ key, operator: op.t === 'in' ? 'In' : 'NotIn', values: [...new Set(values)] });
            break;
          }
          default:
            fail(op, "'=', '==', '!=', 'in', 'notin', '>', '<', ',' or end of string");
        }
      }
    }
    t = next();
    if (t.t === 'end') return reqs;
    if (t.t !== ',') fail(t, "',' or end of string");
  }
}
