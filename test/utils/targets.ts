/**
 * The packages the behavioural tests run against, as users run them: each one's example service (started with
 * `node`, or through its `pnpm` script) and its fixtures. A package is a target where the running Node is one
 * its `engines` supports: the Effect 3 package on 20.19+, 22.12+ and 24; the Effect 4 package on 22.19 and later
 * (`pnpm test:matrix` runs the suite on every line: scripts/test-matrix.sh).
 */
export interface Target {
  /** Shown in test names. */
  readonly name: "effect3" | "effect4"
  /** The example service, from the repository root. */
  readonly service: string
  /** The root package.json script that runs it (`pnpm <script>`). */
  readonly script: string
  /** A service whose layer never finishes releasing (the bound on every shutdown). */
  readonly stuck: string
  /** The example that exports its metrics over OTLP. */
  readonly otlp: string
  /** The README's Quick start app (its own `NodeRuntime.runMain`). */
  readonly quickStart: string
}

export const effect3: Target = {
  name: "effect3",
  service: "examples/service/main.ts",
  script: "start",
  stuck: "test/fixtures/stuck-service.ts",
  otlp: "examples/metrics-otlp.ts",
  quickStart: "examples/quick-start.ts"
}

export const effect4: Target = {
  name: "effect4",
  service: "examples/effect4/service/main.ts",
  script: "start:effect4",
  stuck: "examples/effect4/fixtures/stuck-service.ts",
  otlp: "examples/effect4/metrics-otlp.ts",
  quickStart: "examples/effect4/quick-start.ts"
}

const [major, minor] = process.versions.node.split(".").map(Number)

/** Whether the running Node is one the Effect 4 package supports (>= 22.19). */
export const effect4Supported = major > 22 || (major === 22 && minor >= 19)

/**
 * The targets this run tests: those the running Node supports, narrowed by `SG_TEST_TARGETS` (a comma list of
 * names) where set; scripts/test.sh sets it to test the Effect 4 package's services on Node 22 when the
 * machine's Node is older.
 */
export const targets: ReadonlyArray<Target> = (effect4Supported ? [effect3, effect4] : [effect3]).filter((target) =>
  process.env.SG_TEST_TARGETS === undefined || process.env.SG_TEST_TARGETS.split(",").includes(target.name)
)
