/** What a run measures and for how long: the full benchmark, or `--quick` (one short round, under 2 minutes). */
export interface Mode {
  readonly name: "full" | "quick"
  /** Rounds: every server once per round, the order rotated each round. */
  readonly rounds: number
  /** Pause after the first 200, before idle RSS is read. */
  readonly settleMs: number
  /** Unmeasured load at 50 connections before the measured runs (JIT warm-up). */
  readonly warmupSeconds: number
  /** Measured load at 50 connections. */
  readonly loadSeconds: number
  /** Measured load at 1 connection. */
  readonly singleSeconds: number
  /** Load at 50 connections while Redis is frozen (SIGSTOP). */
  readonly freezeSeconds: number
  /** The long freeze (RSS growth), for each of `longCheckServers`. */
  readonly longFreezeSeconds: number
  /** Whether the 1,000,000-probe memory check runs, for each of `longCheckServers`. */
  readonly millionProbes: boolean
  /** The whole run is abandoned (children killed, exit 1) past this. */
  readonly maxMinutes: number
  /** Result files, in bench/. */
  readonly outputs: { readonly markdown: string; readonly json: string }
}

export const full: Mode = {
  name: "full",
  rounds: 4,
  settleMs: 1000,
  warmupSeconds: 3,
  loadSeconds: 10,
  singleSeconds: 10,
  freezeSeconds: 5,
  longFreezeSeconds: 60,
  millionProbes: true,
  maxMinutes: 60,
  outputs: { markdown: "results.md", json: "results.json" }
}

export const quick: Mode = {
  name: "quick",
  rounds: 1,
  settleMs: 500,
  warmupSeconds: 1,
  loadSeconds: 2,
  singleSeconds: 1,
  freezeSeconds: 2,
  longFreezeSeconds: 5,
  millionProbes: false,
  maxMinutes: 5,
  outputs: { markdown: "results-quick.md", json: "results-quick.json" }
}

/**
 * The servers the long checks (1,000,000 probes, long freeze) run for, after the rounds: the library's, standalone,
 * and baseline, the reference that shows what Node itself does over the same probes.
 */
export const longCheckServers: ReadonlyArray<string> = ["baseline", "stargazer", "stargazer-effect4"]

/** The behaviour every server is configured with. */
export const health = {
  pingIntervalMs: 500,
  pingTimeoutMs: 1000,
  failureThreshold: 3
} as const

export const usage = `usage: pnpm bench [--quick]

  (none)    full run: ${full.rounds} rounds, ${full.loadSeconds} s loads, the 1,000,000-probe and ${full.longFreezeSeconds} s freeze checks;
            writes bench/${full.outputs.markdown} and bench/${full.outputs.json}
  --quick   one short round (under 2 minutes); writes bench/${quick.outputs.markdown} and bench/${quick.outputs.json}`

/** The mode asked for on the command line; exits 2 on anything else. */
export const parseArgs = (args: ReadonlyArray<string>): Mode => {
  const rest = args.filter((arg) => arg !== "--")
  if (rest.length === 0) return full
  if (rest.length === 1 && rest[0] === "--quick") return quick
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(usage)
    process.exit(0)
  }
  console.error(`bench: unknown arguments: ${rest.join(" ")}\n${usage}`)
  process.exit(2)
}
