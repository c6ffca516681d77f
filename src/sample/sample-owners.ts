import type { Prng } from './create-prng.js'
import { REGIONS } from './sample-profile.js'

/** A generated deal owner: a rep selling in one region. */
export interface SampleOwner {
  id: string
  name: string
  email: string
  region: string
  /** Effect of the rep's skill on the log-odds of winning (0 in `--patterns none`). */
  skill: number
  /** Relative share of deals the rep gets. */
  weight: number
}

/** A generated sales manager and the owner emails on their team (one manager per region). */
export interface SampleManager {
  name: string
  email: string
  region: string
  team: string[]
}

// biome-ignore format: a list of names reads better packed
const FIRST = [
  'Ana', 'Ben', 'Chloe', 'David', 'Elena', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kemi', 'Liam', 'Maya', 'Nikhil',
  'Olivia', 'Pablo', 'Quinn', 'Rosa', 'Sam', 'Tara', 'Umar', 'Vera', 'Wei', 'Ximena', 'Yusuf', 'Zoe', 'Amir', 'Bianca',
  'Carlos', 'Dana', 'Emeka', 'Freya', 'Gustav', 'Hana', 'Ivan', 'Julia', 'Kai', 'Lena', 'Marco', 'Nora',
]
// biome-ignore format: a list of names reads better packed
const LAST = [
  'Silva', 'Okafor', 'Martin', 'Kowalski', 'Rossi', 'Nakamura', 'Haddad', 'Jensen', 'Moreau', 'Patel', 'Schmidt', 'Lopez',
  'Novak', 'Chen', 'Fischer', 'Dubois', 'Khan', 'Larsen', 'Costa', 'Walsh', 'Ito', 'Mendes', 'Berg', 'Osei', 'Park',
  'Varga', 'Quinn', 'Hughes', 'Romero', 'Lindqvist',
]

/**
 * Makes `count` owners (ids `rep_01`...; emails `first.last@acme.example`, unique), spread over
 * the regions by their share, and one manager per region whose team is that region's owners.
 */
export function createSampleOwners(prng: Prng, count: number, skillSpread: number): { owners: SampleOwner[]; managers: SampleManager[] } {
  const used = new Set<string>()
  const person = () => {
    for (;;) {
      const first = prng.pick(FIRST)
      const last = prng.pick(LAST)
      const email = `${first}.${last}@acme.example`.toLowerCase()
      if (!used.has(email)) {
        used.add(email)
        return { name: `${first} ${last}`, email }
      }
    }
  }
  const width = String(count).length < 2 ? 2 : String(count).length
  const owners: SampleOwner[] = []
  let assigned = 0
  REGIONS.forEach((region, r) => {
    const n = r === REGIONS.length - 1 ? count - assigned : Math.max(1, Math.round(count * region.share))
    for (let i = 0; i < n; i++) {
      const p = person()
      owners.push({
        id: `rep_${String(owners.length + 1).padStart(width, '0')}`,
        name: p.name,
        email: p.email,
        region: region.name,
        skill: skillSpread * prng.normal(),
        weight: 0.6 + 0.8 * prng.next(),
      })
    }
    assigned += n
  })
  const managers = REGIONS.map((region) => {
    const p = person()
    return { ...p, region: region.name, team: owners.filter((o) => o.region === region.name).map((o) => o.email) }
  })
  return { owners, managers }
}

/**
 * The roster YAML (contract "Environment", `PULSE_ROSTER`) for the sample company: one
 * executive, one admin, and one manager per region with their team's owner emails.
 */
export function sampleRosterYaml(managers: readonly SampleManager[]): string {
  const lines = [
    '# Who sees what in the Sales Pulse demo (PULSE_ROSTER). Written by `pulse sample`.',
    'executives: [cro@acme.example]',
    'admins: [revops@acme.example]',
    'managers:',
  ]
  for (const m of managers) {
    lines.push(`  - email: ${m.email} # ${m.name}, ${m.region}`)
    lines.push(`    team: [${m.team.join(', ')}]`)
  }
  return `${lines.join('\n')}\n`
}
