/** The intake key of local runs only: not a secret, never valid anywhere but this machine. */
export const LOCAL_INTAKE_KEY = 'local-intake-key-not-a-secret';

/** The user the Agents Playground signs in as by default. */
export const PLAYGROUND_USER = 'alexw@example.com';

/** A contact who has no Teams at all, so every local lead also shows the mail path. */
export const LOCAL_CONTACT_WITHOUT_TEAMS = 'partner@fabrikam.example';
