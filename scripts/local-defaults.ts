/** The intake key of local runs only: not a secret, never valid anywhere but this machine. */
export const LOCAL_INTAKE_KEY = 'local-intake-key-not-a-secret';

/** The user the Agents Playground signs in as by default. */
export const PLAYGROUND_USER = 'alexw@example.com';
