// The flows behind the auth commands: verify and store (login), report and check (status), remove (logout),
// and the list of profiles. They join config, credentials, state and both services' checks, which no lower
// layer may do.
export {login, type LoginPrompts, type LoginResult} from './login.js'
export {authStatus, type AuthStatus, type CredentialReport, type ServiceCheck, type StatusOptions} from './status.js'
export {logout, type LogoutResult} from './logout.js'
export {listProfiles, type ProfileList, type SecretLocation} from './profiles.js'
