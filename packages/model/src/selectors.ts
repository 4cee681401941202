import type { LabelSelector, LabelSelectorRequirement } from 'kubernetes-types/meta/v1.js';
import { SelectorError, parseRequirements, type Requirement } from './selectorParser.js';

export { SelectorError } from './selectorParser.js';
export type { Operator, Requirement } from './selectorParser.js';

/** Labels as read from an object's metadata (absent labels are an empty set). */
export type Labels = Readonly<Record<string, string>> | undefined | null;

/** A parsed selector, as apimachinery's labels.Selector. */
export interface Selector {
  readonly requirements: readonly Requirement[];
  matches(labels: Labels): boolean;
  /** Canonical text (requirements sorted by key; set values sorted), which parses back to the same selector. */
  toString(): string;
  /** True for the selector that matches everything (no requirements). */
  empty(): boolean;
}

const has = (labels: Labels, key: string): boolean => !!labels && Object.prototype.hasOwnProperty.call(labels, key);

function requirementMatches(r: Requirement, labels: Labels): boolean {
  const present = has(labels, r.key);
  const value = present ? labels![r.key]! : undefined;
  switch (r.operator) {
    case 'In':
    case '=':
    case '==':
      return present && r.values.includes(value!);
    case 'NotIn':
    case '!=':
      return !present || !r.values.includes(value!);
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
    case 'Gt':
    case 'Lt': {
      if (!present || !/^[+-]?\d+$/.test(value!)) return false;
      const have = BigInt(value!);
      const want = BigInt(r.values[0]!);
      return r.operator === 'Gt' ? have > want : have < want;
    }
  }
}

function requirementText(r: Requirement): string {
  const sorted = () => [...r.values].sort().join(',');
  switch (r.operator) {
    case 'In':
      return `${r.key} in (${sorted()})`;
    case 'NotIn':
      return `${r.key} notin (${sorted()})`;
    case 'Exists':
      return r.key;
    case 'DoesNotExist':
      return `!${r.key}`;
    case 'Gt':
      return `${r.key}>${r.values[0]}`;
    case 'Lt':
      return `${r.key}<${r.values[0]}`;
    default:
      return `${r.key}${r.operator}${r.values[0]}`;
  }
}

/** A selector from requirements, sorted by key (stable) as apimachinery's internalSelector. */
export function selectorFromRequirements(requirements: readonly Requirement[]): Selector {
  const reqs = [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    requirements: reqs,
    matches: (labels) => reqs.every((r) => requirementMatches(r, labels)),
    toString: () => reqs.map(requirementText).join(','),
    empty: () => reqs.length === 0,
  };
}

/** The selector that matches no object (apimachinery's labels.Nothing()). */
export const SELECT_NOTHING: Selector = {
  requirements: [],
  matches: () => false,
  toString: () => '',
  empty: () => false,
};

/**
 * Parses kubectl's `-l` syntax: `a=b,c!=d,e in (x,y),f notin (z),g,!h,n>1`. Throws SelectorError
 * (code 'InvalidSelector') naming the position and what was expected. The empty string matches everything.
 */
export function parseSelector(text: string): Selector {
  return selectorFromRequirements(parseRequirements(text));
}

/**
 * Whether a Service's map selector picks these labels. An empty map matches every object; undefined or
 * null matches none (a Service without a selector has its Endpoints managed by hand).
 */
export function selectorMatches(selector: Readonly<Record<string, string>> | undefined | null, labels: Labels): boolean {
  if (selector === undefined || selector === null) return false;
  for (const [k, v] of Object.entries(selector)) {
    if (!has(labels, k) || labels![k] !== v) return false;
  }
  return true;
}

function expressionRequirement(e: LabelSelectorRequirement, i: number): Requirement {
  const values = e.values ?? [];
  const where = `matchExpressions[${i}]`;
  switch (e.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) throw new SelectorError(`${where}.values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`);
      return { key: e.key, operator: e.operator, values };
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) throw new SelectorError(`${where}.values: Forbidden: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`);
      return { key: e.key, operator: e.operator, values: [] };
    default:
      throw new SelectorError(`${where}.operator: Unsupported value: ${JSON.stringify(e.operator)}: supported values: "In", "NotIn", "Exists", "DoesNotExist"`);
  }
}

/**
 * metav1.LabelSelectorAsSelector: null/undefined selects nothing, an empty selector everything;
 * matchLabels become `=` requirements. Throws SelectorError for an invalid expression.
 */
export function labelSelectorAsSelector(ls: LabelSelector | undefined | null): Selector {
  if (ls === undefined || ls === null) return SELECT_NOTHING;
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(ls.matchLabels ?? {})) reqs.push({ key, operator: '=', values: [value] });
  (ls.matchExpressions ?? []).forEach((e, i) => reqs.push(expressionRequirement(e, i)));
  return selectorFromRequirements(reqs);
}

/** Whether a LabelSelector picks these labels; an invalid selector (bad operator or values) picks nothing. */
export function labelSelectorMatches(ls: LabelSelector | undefined | null, labels: Labels): boolean {
  try {
    return labelSelectorAsSelector(ls).matches(labels);
  } catch (e) {
    if (e instanceof SelectorError) return false;
    throw e;
  }
}
