// Settings: one typed, frozen object resolved from flags › environment › .env › stored profile › defaults.
export {loadSettings, requireSettings, type LoadOptions, type Origin, type SecretReader, type Settings, type SettingValues} from './load.js'
export {SETTINGS, SETTING_NAMES, SECRET_NAMES, STORABLE_NAMES, type SecretName, type SettingName, type Source, type StorableName} from './settings.js'
export {normalizeGladlyUrl} from './gladly-url.js'
export {resolvePaths, type Paths} from './paths.js'
export {readProfile, writeProfile, settingsFilePath, PROFILE_NAME, type SecretBackend, type StoredProfile} from './profile-store.js'
export type {ConfigError} from './errors.js'
