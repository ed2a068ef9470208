/** The intake key of local runs only: not a secret, refused on App Service. */
export { LOCAL_INTAKE_KEY } from '../src/config/hosted-checks';

/** The user the Agents Playground signs in as by default. */
export const PLAYGROUND_USER = 'alexw@example.com';

/** That user as Dynamics knows them, so Claim in the Playground makes them the lead's owner in the Dataverse emulator. */
export const PLAYGROUND_DYNAMICS_USER = { azureactivedirectoryobjectid: '00000000-0000-4000-8000-000000000020', fullname: 'Alex Wilber', internalemailaddress: PLAYGROUND_USER } as const;

/** A contact who has no Teams at all, so every local lead also shows the mail path. */
export const LOCAL_CONTACT_WITHOUT_TEAMS = 'partner@fabrikam.example';
