import type { LabelSelector } from '@svcnet/model';

/**
 * Label selector matching for `list(kind, { labelSelector })`, in the three forms callers have: a
 * Service-style map (every pair must match), a metav1.LabelSelector (matchLabels + matchExpressions),
 * or kubectl's `-l` text (`app=web,tier!=db,env in (a,b),!legacy`). Matches
 * k8s.io/apimachinery/pkg/labels: an empty selector matches everything.
 */
export type SelectorInput = Record<string, string> | LabelSelector | string;

type Requirement = { key: string; op: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values: string[] };

export type LabelMatcher = (labels: Record<string, string> | undefined) => boolean;

export function labelMatcher(selector: SelectorInput | undefined): LabelMatcher {
  if (selector === undefined) return () => true;
  const reqs = typeof selector === 'string' ? parseSelectorText(selector) : fromObject(selector);
  return (labels) => reqs.every((r) => matches(r, labels ?? {}));
}

function matches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  switch (r.op) {
    case 'In':
      return has && r.values.includes(labels[r.key]!);
    case 'NotIn':
      return !has || !r.values.includes(labels[r.key]!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
}

function isLabelSelector(s: object): s is LabelSelector {
  const keys = Object.keys(s);
  return keys.length > 0 && keys.every((k) => k === 'matchLabels' || k === 'matchExpressions') &&
    ((s as LabelSelector).matchLabels === undefined || typeof (s as LabelSelector).matchLabels === 'object');
}

function fromObject(s: Record<string, string> | LabelSelector): Requirement[] {
  if (!isLabelSelector(s)) {
    return Object.entries(s as Record<string, string>).map(([key, v]) => ({ key, op: 'In', values: [v] }));
  }
  const reqs: Requirement[] = Object.entries(s.matchLabels ?? {}).map(([key, v]) => ({ key, op: 'In', values: [v] }));
  for (const e of s.matchExpressions ?? []) {
    if (e.operator !== 'In' && e.operator !== 'NotIn' && e.operator !== 'Exists' && e.operator !== 'DoesNotExist') {
      throw new Error(`labelSelector: unsupported operator "${e.operator}" for key "${e.key}": use In, NotIn, Exists or DoesNotExist`);
    }
    reqs.push({ key: e.key, op: e.operator, values: e.values ?? [] });
  }
  return reqs;
}

/** kubectl's selector text; commas outside parentheses separate requirements. */
export function parseSelectorText(text: string): Requirement[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  const reqs: Requirement[] = [];
  for (const raw of parts) {
    const p = raw.trim();
    if (!p) continue;
    let m: RegExpMatchArray | null;
    if ((m = p.match(/^!\s*([^\s=!(),]+)$/))) reqs.push({ key: m[1]!, op: 'DoesNotExist', values: [] });
    else if ((m = p.match(/^([^\s=!(),]+)\s+(in|notin)\s*\(([^)]*)\)$/))) {
      const values = m[3]!.split(',').map((v) => v.trim()).filter(Boolean);
      reqs.push({ key: m[1]!, op: m[2] === 'in' ? 'In' : 'NotIn', values });
    } else if ((m = p.match(/^([^\s=!(),]+)\s*!=\s*([^\s=!(),]*)$/))) reqs.push({ key: m[1]!, op: 'NotIn', values: [m[2]!] });
    else if ((m = p.match(/^([^\s=!(),]+)\s*==?\s*([^\s=!(),]*)$/))) reqs.push({ key: m[1]!, op: 'In', values: [m[2]!] });
    else if ((m = p.match(/^([^\s=!(),]+)$/))) reqs.push({ key: m[1]!, op: 'Exists', values: [] });
    else throw new Error(`labelSelector: cannot parse "${p}" in "${text}": use key=value, key!=value, key in (a,b), key notin (a,b), key or !key`);
  }
  return reqs;
}
