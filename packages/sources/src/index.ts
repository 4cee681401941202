export const placeholder = 'packages/sources';
