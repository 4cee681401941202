// Validation as the API server's ValidateService and friends (filled in by the validation work).
export {};
