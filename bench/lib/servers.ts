/**
 * The servers under test, and starting one: spawn with plain node on the server core, poll to the first 200.
 * The Effect 3 servers are in bench/servers/ (the bench package's dependencies: effect 3, @stargazer/health-server);
 * the Effect 4 ones in bench/effect4/, a workspace package of its own, as effect 4 cannot be installed beside
 * effect 3 in one package.
 */
import type * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import { captureOutput, cores, kill, spawn, terminate } from "./children.js"
import { isOk, pollUntil } from "./http.js"
import { health } from "./options.js"

export interface ServerSpec {
  readonly name: string
  /** Relative to bench/ (servers/*.mjs: Effect 3 and no Effect; effect4/*.mjs: Effect 4), or absolute. */
  readonly file: string
  readonly description: string
  /** The packages whose versions the results list for it (as named in `versions()` of machine.ts). */
  readonly packages: ReadonlyArray<string>
  /** Readiness path on the probe port; undefined: no probe server (effect-app). */
  readonly probePath: string | undefined
  /** Whether it serves GET /app on APP_PORT. */
  readonly app: boolean
  /** Measured for start-up and idle RSS only (no loads, no Redis faults): the start-up floors and variants. */
  readonly startupOnly?: boolean
  /** Run with Node's module compile cache (`NODE_COMPILE_CACHE`, a directory of its own under .compile-cache/). */
  readonly compileCache?: boolean
}

const library = ["@stargazer/health-server", "effect", "@effect/platform", "@effect/platform-node", "ioredis"]
const libraryEffect4 = [
  "@stargazer/health-server-effect4",
  "effect (effect4/)",
  "@effect/platform-node (effect4/)",
  "ioredis (effect4/)"
]

const baseline: ServerSpec = {
  name: "baseline",
  file: "servers/baseline.mjs",
  description: "minimal node:http server, /readyz from a flag refreshed by an ioredis PING loop",
  packages: ["ioredis"],
  probePath: "/readyz",
  app: false
}

const stargazer: ServerSpec = {
  name: "stargazer",
  file: "servers/stargazer.mjs",
  description:
    "@stargazer/health-server standalone as examples/service runs it (Runner over the RedisClient from REDIS_URL), from dist",
  packages: library,
  probePath: "/readyz",
  app: false
}

const stargazerEffect4: ServerSpec = {
  name: "stargazer-effect4",
  file: "effect4/stargazer.mjs",
  description:
    "@stargazer/health-server-effect4 standalone as examples/effect4/service runs it (Runner over the RedisClient from REDIS_URL), from dist",
  packages: libraryEffect4,
  probePath: "/readyz",
  app: false
}

/** `spec` run with NODE_COMPILE_CACHE, measured for start-up and idle RSS only. */
const withCompileCache = (spec: ServerSpec): ServerSpec => ({
  ...spec,
  name: `${spec.name}+compile-cache`,
  description: `${spec.name} run with NODE_COMPILE_CACHE (primed by the unmeasured first start); start-up only`,
  startupOnly: true,
  compileCache: true
})

export const servers: ReadonlyArray<ServerSpec> = [
  baseline,
  {
    ...baseline,
    name: "baseline-aa",
    description: "the same file again: A/A control, its ratios to baseline are the noise"
  },
  stargazer,
  stargazerEffect4,
  {
    ...baseline,
    name: "baseline+effect",
    file: "servers/baseline-effect.mjs",
    description:
      "baseline that first imports effect/Effect and effect/Layer (Effect 3): the start-up floor of any Effect 3 program; start-up only",
    packages: ["effect", "ioredis"],
    startupOnly: true
  },
  {
    ...baseline,
    name: "baseline+effect4",
    file: "effect4/baseline-effect.mjs",
    description:
      "baseline that first imports effect/Effect and effect/Layer of Effect 4: the start-up floor of any Effect 4 program; start-up only",
    packages: ["effect (effect4/)", "ioredis"],
    startupOnly: true
  },
  withCompileCache(baseline),
  withCompileCache(stargazer),
  withCompileCache(stargazerEffect4),
  {
    name: "effect-app",
    file: "servers/effect-app.mjs",
    description: "an @effect/platform app (HttpRouter, GET /app) alone: no probes, the reference for +health",
    packages: ["effect", "@effect/platform", "@effect/platform-node"],
    probePath: undefined,
    app: true
  },
  {
    name: "effect-app+ioredis",
    file: "servers/effect-app-ioredis.mjs",
    description:
      "effect-app that also owns a connected ioredis client, as an app that uses Redis does; start-up and idle RSS only",
    packages: ["effect", "@effect/platform", "@effect/platform-node", "ioredis"],
    probePath: undefined,
    app: true
  },
  {
    name: "effect-app+health",
    file: "servers/effect-app-health.mjs",
    description: "the same app with HealthServerLive built on top of it; probes on the health port",
    packages: library,
    probePath: "/readyz",
    app: true
  },
  {
    name: "effect4-app",
    file: "effect4/effect-app.mjs",
    description:
      "an Effect 4 app (HttpRouter of effect/http, GET /app, @effect/platform-node 4) alone: the reference for effect4-app+health",
    packages: ["effect (effect4/)", "@effect/platform-node (effect4/)"],
    probePath: undefined,
    app: true
  },
  {
    name: "effect4-app+ioredis",
    file: "effect4/effect-app-ioredis.mjs",
    description:
      "effect4-app that also owns a connected ioredis client (ioredis 6), as an app that uses Redis does; start-up and idle RSS only",
    packages: ["effect (effect4/)", "@effect/platform-node (effect4/)", "ioredis (effect4/)"],
    probePath: undefined,
    app: true
  },
  {
    name: "effect4-app+health",
    file: "effect4/effect-app-health.mjs",
    description: "the same Effect 4 app with @stargazer/health-server-effect4's HealthServerLive on top of it",
    packages: libraryEffect4,
    probePath: "/readyz",
    app: true
  },
  {
    name: "terminus",
    file: "servers/terminus.mjs",
    description: "@godaddy/terminus on node:http, /readyz check reading the cached flag",
    packages: ["@godaddy/terminus", "ioredis"],
    probePath: "/readyz",
    app: false
  },
  {
    name: "terminus-per-request",
    file: "servers/terminus-per-request.mjs",
    description: "@godaddy/terminus whose /readyz check PINGs Redis on every request (1 s timeout)",
    packages: ["@godaddy/terminus", "ioredis"],
    probePath: "/readyz",
    app: false
  },
  ...before(),
  {
    name: "lightship",
    file: "servers/lightship.mjs",
    description: "lightship's own server, ready/not ready from the cached flag; probed on /ready (500 when not ready)",
    packages: ["lightship", "ioredis"],
    probePath: "/ready",
    app: false
  }
]

/**
 * `stargazer-before` (and `stargazer-effect4-before`), when BENCH_BEFORE names a checkout of the library at an
 * earlier commit (installed and built): that checkout's own `bench/servers/stargazer.mjs` (and
 * `bench/effect4/stargazer.mjs`), run where their imports resolve to its own built packages: before/after
 * figures from one run. A checkout from before the bench had those files (the redesign) runs
 * `servers/stargazer-before.mjs`, copied into its examples.
 */
function before(): ReadonlyArray<ServerSpec> {
  const checkout = process.env.BENCH_BEFORE
  if (checkout === undefined || checkout === "") return []
  const own = Path.resolve(checkout, "bench", "servers", "stargazer.mjs")
  if (Fs.existsSync(own)) {
    const effect4 = Path.resolve(checkout, "bench", "effect4", "stargazer.mjs")
    return [
      { ...stargazer, name: "stargazer-before", file: own, description: `${stargazer.description}, at ${checkout}` },
      ...Fs.existsSync(effect4)
        ? [{
          ...stargazerEffect4,
          name: "stargazer-effect4-before",
          file: effect4,
          description: `${stargazerEffect4.description}, at ${checkout}`
        }]
        : []
    ]
  }
  const file = Path.resolve(checkout, "examples", "_bench-stargazer-before.mjs")
  Fs.copyFileSync(Path.join(import.meta.dirname, "..", "servers", "stargazer-before.mjs"), file)
  return [{
    name: "stargazer-before",
    file,
    description: `@stargazer/health-server before the redesign and the fast path (${checkout}), as its example ran it`,
    packages: library,
    probePath: "/readyz",
    app: false
  }]
}

/** The compile cache of `spec`: bench/.compile-cache/<name>, emptied by `clearCompileCaches` at each run's start. */
const compileCacheDir = (spec: ServerSpec): string => Path.join(benchDir, ".compile-cache", spec.name)

/** Empties bench/.compile-cache/, so that every run's caches are written by its own priming start. */
export const clearCompileCaches = (): void =>
  Fs.rmSync(Path.join(benchDir, ".compile-cache"), { recursive: true, force: true })

export const serverByName = (name: string): ServerSpec => {
  const spec = servers.find((server) => server.name === name)
  if (spec === undefined) throw new Error(`no server ${name}`)
  return spec
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = Net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as Net.AddressInfo
      server.close(() => resolve(port))
    })
    server.on("error", reject)
  })

export class ServerStartError extends Error {}

export interface RunningServer {
  readonly spec: ServerSpec
  readonly pid: number
  readonly probeUrl: string | undefined
  /** Milliseconds from spawn to the first 200 (of the probe and of /app, when it has both). */
  readonly startupMs: number
  readonly output: () => string
  readonly stop: () => Promise<void>
  /** SIGTERM, for a normal exit (Node writes its compile cache only then); SIGKILL after 5 s. */
  readonly terminate: () => Promise<void>
}

const benchDir = Path.join(import.meta.dirname, "..")
const startTimeoutMs = 20_000

/** Spawns `spec` with `node` on the server core and polls it, in a tight loop, to its first 200. */
export const startServer = async (spec: ServerSpec, redisUrl: string): Promise<RunningServer> => {
  const probePort = await freePort()
  const appPort = await freePort()
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    REDIS_URL: redisUrl,
    // redis-flag.mjs (baseline, terminus, lightship)
    BENCH_PORT: String(probePort),
    BENCH_PING_INTERVAL_MS: String(health.pingIntervalMs),
    BENCH_PING_TIMEOUT_MS: String(health.pingTimeoutMs),
    BENCH_FAILURE_THRESHOLD: String(health.failureThreshold),
    // @stargazer/health-server and -effect4 (stargazer, effect-app+health and their effect4 twins)
    SG_HEALTH_PORT: String(probePort),
    SG_HEALTH_CHECK_INTERVAL: `${health.pingIntervalMs} millis`,
    SG_HEALTH_CHECK_TIMEOUT: `${health.pingTimeoutMs / 1000} second`,
    SG_HEALTH_FAILURE_THRESHOLD: String(health.failureThreshold),
    // stargazer-before reads the former names
    SG_HEALTH_PING_INTERVAL: `${health.pingIntervalMs} millis`,
    SG_HEALTH_PING_TIMEOUT: `${health.pingTimeoutMs / 1000} second`,
    // effect-app, effect-app+health, effect4-app, effect4-app+health
    APP_PORT: String(appPort),
    ...(spec.compileCache ? { NODE_COMPILE_CACHE: compileCacheDir(spec) } : {})
  }
  const file = Path.resolve(benchDir, spec.file)
  const since = performance.now()
  // process.execPath: every server runs on the bench's own node (Node 22 under `pnpm bench`).
  const child: ChildProcess.ChildProcess = spawn(
    cores.server,
    process.execPath,
    [file],
    {
      cwd: Path.dirname(file),
      env,
      stdio: ["ignore", "pipe", "pipe"]
    }
  )
  const output = captureOutput(child)
  const stop = () => kill(child)
  const fail = async (why: string): Promise<never> => {
    await stop()
    throw new ServerStartError(
      `${spec.name} (${Path.relative(process.cwd(), file)}) ${why}; its output:\n${output() || "(none)"}`
    )
  }
  const exitedEarly = () => child.exitCode !== null || child.signalCode !== null
  const urls = [
    ...(spec.probePath === undefined ? [] : [`http://127.0.0.1:${probePort}${spec.probePath}`]),
    ...(spec.app ? [`http://127.0.0.1:${appPort}/app`] : [])
  ]
  let startupMs = 0
  for (const url of urls) {
    const elapsed = await pollUntil(url, (code) => isOk(code) || exitedEarly(), {
      since,
      timeoutMs: startTimeoutMs,
      gapMs: 0,
      agent: false
    })
    if (exitedEarly()) return fail(`exited (${child.exitCode ?? child.signalCode}) before answering 200`)
    if (elapsed === undefined) return fail(`did not answer 200 on ${url} within ${startTimeoutMs / 1000} s`)
    startupMs = elapsed
  }
  return {
    spec,
    pid: child.pid!,
    probeUrl: urls.find((url) => !url.endsWith("/app")),
    startupMs,
    output,
    stop,
    terminate: () => terminate(child)
  }
}
