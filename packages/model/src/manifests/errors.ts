export type ManifestErrorCode =
  | 'ReadFailed'
  | 'SyntaxError'
  | 'NotAnObject'
  | 'MissingKind'
  | 'MissingApiVersion'
  | 'UnsupportedKind'
  | 'UnservedApiVersion'
  | 'TooLarge'
  | 'TooManyAliases'
  | 'TooDeep';

/**
 * A manifest document that cannot become an object. The message names the file, the document (1-based,
 * counting every `---` document of the file) and the line:
 * `examples/x.yaml: document 2 (line 14): apiVersion "vl" is not served for kind Service: did you mean "v1"?`
 */
export class ManifestError extends Error {
  constructor(
    readonly code: ManifestErrorCode,
    readonly source: string,
    /** 1-based document index in the file; 0 when the error is about the whole file. */
    readonly index: number,
    /** 1-based line; 0 when unknown. */
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${source}${where(index, line)}: ${reason}`);
    this.name = 'ManifestError';
  }
}

function where(index: number, line: number): string {
  if (index === 0) return line ? `:${line}` : '';
  return line ? `: document ${index} (line ${line})` : `: document ${index}`;
}
