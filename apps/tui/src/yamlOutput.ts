/**
 * Options for every YAML the CLI prints. The store shares identical parts of the objects it keeps
 * (endpoint `conditions`, port entries: @svcnet/store's storedShapes), and `yaml` writes an object
 * met twice as an anchor and aliases (`&a1` ... `*a1`) unless told not to: kubectl prints each
 * object whole, and our own manifest reader refuses more than 100 aliases.
 */
export const YAML_OUTPUT = { aliasDuplicateObjects: false } as const;
