// Defaulting as the API server's SetDefaults_* functions.
export {};
