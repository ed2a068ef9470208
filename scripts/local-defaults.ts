/** The intake key of local runs only: not a secret, never valid anywhere but this machine. */
export const LOCAL_INTAKE_KEY = 'local-intake-key-not-a-secret';
