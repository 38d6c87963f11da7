import {distance} from 'fastest-levenshtein'
import {SETTING_NAMES} from './settings.js'

/** The variables that choose the profile and the folders; read apart from the settings. */
const OWN_VARIABLES = ['GLADLY_ENTERPRET_PROFILE', 'GLADLY_ENTERPRET_HOME']
const KNOWN = [...SETTING_NAMES, ...OWN_VARIABLES]
// oclif reads variables of its own under the CLI's prefix (…_DEBUG, …_SKIP_NEW_VERSION_CHECK and more): there,
// only a near miss of one of ours is taken for a typo.
const OCLIF_PREFIX = 'GLADLY_ENTERPRET_'
const NEAR_MISS = 2

function closest(name: string, candidates: readonly string[]): {name: string; distance: number} {
  return candidates
    .map((candidate) => ({name: candidate, distance: distance(name, candidate)}))
    .reduce((best, next) => (next.distance < best.distance ? next : best))
}

/**
 * A variable that looks like one of ours and is not (a typo such as GLADLY_BASE_URL) is otherwise ignored
 * without a word: one warning for each, naming the closest known setting.
 */
export function unknownVariableWarnings(
  layers: ReadonlyArray<readonly [Readonly<Record<string, string | undefined>>, string]>,
): string[] {
  const warnings: string[] = []
  for (const [variables, where] of layers) {
    for (const name of Object.keys(variables)) {
      if (!/^(GLADLY|ENTERPRET)_/.test(name) || KNOWN.includes(name)) continue
      const oclif = name.startsWith(OCLIF_PREFIX)
      const nearest = closest(name, oclif ? OWN_VARIABLES : KNOWN)
      if (oclif && nearest.distance > NEAR_MISS) continue
      warnings.push(
        `${name} (in ${where}) is not a setting of gladly-enterpret and is ignored; did you mean ${nearest.name}?`,
      )
    }
  }
  return warnings
}
