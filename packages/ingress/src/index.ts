export const placeholder = 'packages/ingress';
