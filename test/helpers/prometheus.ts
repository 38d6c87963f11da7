import {expect} from 'chai'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'

/** The text format as a Prometheus parser reads it: one value per metric and label set. */
export interface Scrape {
  /** The one sample of `name` whose labels include `labels`. */
  value(name: string, labels?: Record<string, string>): number
  has(name: string): boolean
  names(): string[]
}

export function scrape(text: string): Scrape {
  const families = parsePrometheusTextFormat(text)
  for (const family of families) expect(family.type, family.name).to.equal('GAUGE')
  const matches = (name: string, labels: Record<string, string>) =>
    (families.find((family) => family.name === name)?.metrics ?? []).filter((metric) =>
      Object.entries(labels).every(([key, value]) => metric.labels?.[key] === value),
    )
  return {
    value(name, labels = {}) {
      const found = matches(name, labels)
      expect(found, `${name} ${JSON.stringify(labels)} in:\n${text}`).to.have.length(1)
      return Number(found[0]?.value)
    },
    has: (name) => families.some((family) => family.name === name),
    names: () => families.map((family) => family.name),
  }
}
