// Settings: one typed, frozen object resolved from flags › environment › .env › stored profile › defaults.
export {loadSettings, requireSettings, type LoadOptions, type SecretReader, type Settings} from './load.js'
export {
  SECRET_NAMES,
  SETTINGS,
  SETTING_NAMES,
  USER_ATTRIBUTE_GROUPS,
  type SecretName,
  type SettingName,
  type Source,
  type UserAttributeGroup,
} from './settings.js'
export {normalizeGladlyUrl} from './gladly-url.js'
export {resolvePaths, type Paths} from './paths.js'
export {
  PROFILE_NAME,
  readProfiles,
  settingsFilePath,
  writeProfile,
  type SecretBackend,
  type StoredProfile,
} from './profile-store.js'
