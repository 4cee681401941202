import { labelSelectorAsSelector, parseSelector, selectorMatches, type LabelSelector } from '@svcnet/model';

/**
 * `list(kind, { labelSelector })` in the three forms callers have: a Service-style map (every pair must
 * match), a metav1.LabelSelector (matchLabels + matchExpressions) or kubectl's `-l` text. Parsing is
 * @svcnet/model's; an invalid selector throws its SelectorError before anything is read.
 */
export type SelectorInput = Record<string, string> | LabelSelector | string;

export type LabelMatcher = (labels: Record<string, string> | undefined) => boolean;

function isLabelSelector(s: object): s is LabelSelector {
  const keys = Object.keys(s);
  return keys.length > 0 && keys.every((k) => k === 'matchLabels' || k === 'matchExpressions');
}

export function labelMatcher(selector: SelectorInput | undefined): LabelMatcher {
  if (selector === undefined) return () => true;
  if (typeof selector === 'string') {
    const parsed = parseSelector(selector);
    return (labels) => parsed.matches(labels);
  }
  if (isLabelSelector(selector)) {
    const parsed = labelSelectorAsSelector(selector);
    return (labels) => parsed.matches(labels);
  }
  const map = selector as Record<string, string>;
  return (labels) => selectorMatches(map, labels);
}
