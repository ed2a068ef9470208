/** The intake key of local runs only: not a secret, refused on App Service. */
export { LOCAL_INTAKE_KEY } from '../src/config/hosted-checks';

/** The user the Agents Playground signs in as by default. */
export const PLAYGROUND_USER = 'alexw@example.com';

/** A contact who has no Teams at all, so every local lead also shows the mail path. */
export const LOCAL_CONTACT_WITHOUT_TEAMS = 'partner@fabrikam.example';
