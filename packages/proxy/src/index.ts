export const placeholder = 'packages/proxy';
