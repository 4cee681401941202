export const placeholder = 'packages/endpoints';
