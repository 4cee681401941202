export const placeholder = 'packages/dns';
