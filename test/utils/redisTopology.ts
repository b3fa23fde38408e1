/**
 * Redis Cluster and Sentinel set-ups for integration tests, on loopback ports of their own, scoped: every
 * process is killed by its pid and every directory removed at release. Each `redis-server` has its own `--dir`
 * (a replica writes `dump.rdb` there; a cluster node its `nodes.conf`).
 *
 * - `cluster()`: three primaries, no replicas, `cluster-node-timeout` 1 s (the survivors report
 *   `cluster_state:fail` 1-2 s after a primary dies).
 * - `sentinels()`: a primary, its replica and three sentinels (quorum 2), `down-after-milliseconds` 1 s and
 *   `failover-timeout` 3 s; `switches` reports each `+switch-master`, as a sentinel publishes it.
 */
import type { HealthServer } from "@stargazer/health-server"
import { Duration, Effect, Queue, Schedule, Stream } from "effect"
import type { Scope } from "effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { eventually } from "./health.js"
import * as Clients from "./redisClients.js"
import type { RedisServer } from "./redisServer.js"
import * as Redis from "./redisServer.js"

/** A directory of its own for one test's processes, removed at release (after they are gone). */
const tempDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "sg-health-topology-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

const subdir = (root: string, name: string) => {
  const dir = Path.join(root, name)
  Fs.mkdirSync(dir)
  return dir
}

/** One command to the server on `port` over a fresh connection, its raw reply (simple or bulk string). */
const ask = (port: number, command: string): Effect.Effect<string> => Effect.orDie(Redis.rawCommand(port, command))

/** `field:value` lines of an `INFO`-like reply. */
const fields = (reply: string): Record<string, string> =>
  Object.fromEntries(
    reply.split("\r\n").flatMap((line) => {
      const colon = line.indexOf(":")
      return colon === -1 ? [] : [[line.slice(0, colon), line.slice(colon + 1)]]
    })
  )

/**
 * Connections of clients to the servers on `ports`, from `CLIENT LIST` on each (see
 * `redisClients.clientConnections`): read again while a connection cannot be told yet (a sentinel's link before
 * it names itself), for up to 5 s.
 */
export const clientConnections = (ports: ReadonlyArray<number>): Effect.Effect<number> =>
  Effect.forEach(ports, (port) => ask(port, "CLIENT LIST"), { concurrency: "unbounded" }).pipe(
    Effect.map(Clients.clientConnections),
    Effect.filterOrFail(
      (count): count is number => count !== undefined,
      () => new Error("a connection still unnamed after 5 s")
    ),
    Effect.retry({ schedule: Schedule.spaced("10 millis"), times: 500 }),
    Effect.orDie
  )

/**
 * The client connections on `ports` now (see `clientConnections`), and `back`: waits until there are as many
 * again (up to 10 s), e.g. after a client's release.
 */
export const connectionsNow = (ports: ReadonlyArray<number>) =>
  Effect.map(clientConnections(ports), (baseline) => ({
    baseline,
    back: eventually(clientConnections(ports), (connections) => connections === baseline, "10 seconds").pipe(
      Effect.asVoid
    )
  }))

/** Runs a command to its end; a failure is a defect carrying its output. */
const run = (command: string, args: ReadonlyArray<string>): Effect.Effect<string> =>
  Effect.async<string>((resume) => {
    const child = ChildProcess.execFile(command, args, { timeout: 30_000 }, (error, stdout, stderr) =>
      resume(
        error === null ? Effect.succeed(stdout) : Effect.dieMessage(`${command} failed: ${error}\n${stdout}${stderr}`)
      ))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

export interface Cluster {
  readonly nodes: ReadonlyArray<RedisServer>
  /** The nodes as `RedisClient.Options.cluster.nodes`. */
  readonly seeds: ReadonlyArray<{ readonly host: string; readonly port: number }>
  /** `cluster_state` as `node` reports it (`ok`, `fail`). */
  readonly state: (node: RedisServer) => Effect.Effect<string>
  /** Waits until every node in `nodes` reports `state`. */
  readonly awaitState: (state: string, nodes?: ReadonlyArray<RedisServer>) => Effect.Effect<void, Error>
  /** Calls of `CLUSTER INFO` that `node` has answered. */
  readonly infoCalls: (node: RedisServer) => Effect.Effect<number>
}

/** A cluster of three primaries (no replicas), every slot assigned and `cluster_state:ok` on each node. */
export const cluster = (): Effect.Effect<Cluster, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const root = yield* tempDir
    const nodes = yield* Effect.forEach(
      ["a", "b", "c"],
      (name) =>
        Redis.make({
          args: ["--cluster-enabled", "yes", "--cluster-node-timeout", "1000", "--dir", subdir(root, name)]
        }),
      { concurrency: "unbounded" }
    )
    yield* run("redis-cli", [
      "--cluster",
      "create",
      ...nodes.map((node) => `127.0.0.1:${node.port}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes"
    ])
    const state = (node: RedisServer) =>
      Effect.map(ask(node.port, "CLUSTER INFO"), (info) => fields(info).cluster_state ?? "unknown")
    const awaitState = (wanted: string, which: ReadonlyArray<RedisServer> = nodes) =>
      eventually(
        Effect.forEach(which, state),
        (states) => states.every((state) => state === wanted),
        "20 seconds"
      ).pipe(Effect.asVoid)
    yield* awaitState("ok")
    return {
      nodes,
      seeds: nodes.map((node) => ({ host: "127.0.0.1", port: node.port })),
      state,
      awaitState,
      infoCalls: (node) => Redis.commandCalls(node, "cluster\\|info")
    }
  })

/** A `redis-server` in sentinel mode; released by SIGKILL. */
export interface Sentinel {
  readonly port: number
}

const sentinelPorts = { from: 20_000, to: 32_000 }

/**
 * Starts a sentinel monitoring `primaryPort` as `name`, in a directory of its own below `root` and on a port of
 * its own: a random one, another when it is taken (the sentinel says `Address already in use` and exits).
 */
const startSentinel = (root: string, name: string, primaryPort: number): Effect.Effect<Sentinel, never, Scope.Scope> =>
  Effect.gen(function*() {
    for (let attempt = 1;; attempt++) {
      const port = sentinelPorts.from + Math.floor(Math.random() * (sentinelPorts.to - sentinelPorts.from))
      const dir = Fs.mkdtempSync(Path.join(root, "sentinel-"))
      const conf = Path.join(dir, "sentinel.conf")
      Fs.writeFileSync(
        conf,
        [
          `port ${port}`,
          "bind 127.0.0.1",
          `dir ${dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${primaryPort} 2`,
          `sentinel down-after-milliseconds ${name} 1000`,
          `sentinel failover-timeout ${name} 3000`,
          ""
        ].join("\n")
      )
      const child = yield* Effect.acquireRelease(
        Effect.sync(() =>
          ChildProcess.spawn("redis-server", [conf, "--sentinel"], { stdio: ["ignore", "pipe", "ignore"] })
        ),
        (child) =>
          Effect.async<void>((resume) => {
            if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
            child.once("exit", () => resume(Effect.void))
            child.kill("SIGKILL")
          })
      )
      // Its own word: its ID once it listens, or its output when it exits (e.g. its port was taken).
      const said = yield* Effect.async<string>((resume) => {
        let output = ""
        // Read all along (a pipe nobody reads would block it once full); keep only the start.
        child.stdout.on("data", (chunk: Buffer) => {
          if (output.length < 16_384) output += chunk.toString("utf8")
          if (output.includes("Sentinel ID is")) resume(Effect.succeed("ready"))
        })
        // "close", not "exit": the whole of its output, `Address already in use` included.
        child.once("close", () => resume(Effect.succeed(output)))
      }).pipe(
        Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error("sentinel not ready") }),
        Effect.orDie
      )
      if (said === "ready") return { port }
      if (!said.includes("Address already in use") || attempt === 20) {
        return yield* Effect.dieMessage(`sentinel did not start:\n${said}`)
      }
    }
  })

export interface Sentinels {
  readonly name: string
  readonly primary: RedisServer
  readonly replica: RedisServer
  readonly sentinels: ReadonlyArray<Sentinel>
  /** The sentinels as `RedisClient.Options.sentinel.sentinels`. */
  readonly addresses: ReadonlyArray<{ readonly host: string; readonly port: number }>
  /** Every port: the two servers and the sentinels (for `clientConnections`). */
  readonly ports: ReadonlyArray<number>
  /** The port of the next `+switch-master`'s new primary, waiting for it up to `within`. */
  readonly nextSwitch: (within: Duration.DurationInput) => Effect.Effect<number, Error>
  /** `down-after-milliseconds` on every sentinel. */
  readonly setDownAfter: (millis: number) => Effect.Effect<void>
}

/** Subscribes to `+switch-master` on the sentinel on `port` and queues each new primary's port. */
const watchSwitches = (port: number): Effect.Effect<Queue.Queue<number>, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const switches = yield* Queue.unbounded<number>()
    // A message's payload: `<name> <old ip> <old port> <new ip> <new port>`.
    const message = /\+switch-master\r\n\$\d+\r\n\S+ \S+ \d+ \S+ (\d+)\r\n/
    yield* Effect.acquireRelease(
      Effect.async<Net.Socket, Error>((resume) => {
        const socket = Net.connect({ host: "127.0.0.1", port })
        let buffer = ""
        socket.setEncoding("utf8")
        socket.once("connect", () => {
          socket.write("CLIENT SETNAME test-watch\r\nSUBSCRIBE +switch-master\r\n")
          resume(Effect.succeed(socket))
        })
        socket.once("error", (error) => resume(Effect.fail(error)))
        socket.on("data", (chunk: string) => {
          buffer += chunk
          for (let match = message.exec(buffer); match !== null; match = message.exec(buffer)) {
            Queue.unsafeOffer(switches, Number(match[1]))
            buffer = buffer.slice(match.index + match[0].length)
          }
        })
      }),
      (socket) => Effect.sync(() => socket.destroy())
    )
    return switches
  })

/** A primary, its replica and three sentinels that all know both and one another. */
export const sentinels = (name = "mymaster"): Effect.Effect<Sentinels, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const root = yield* tempDir
    const primary = yield* Redis.make({ args: ["--dir", subdir(root, "primary"), "--repl-diskless-sync-delay", "0"] })
    const replica = yield* Redis.make({
      args: ["--dir", subdir(root, "replica"), "--replicaof", "127.0.0.1", String(primary.port)]
    })
    const started = yield* Effect.forEach([1, 2, 3], () => startSentinel(root, name, primary.port), {
      concurrency: "unbounded"
    })
    // Ready for a failover: every sentinel sees the replica and the two other sentinels.
    yield* eventually(
      Effect.forEach(started, ({ port }) => ask(port, "INFO sentinel")),
      (infos) => infos.every((info) => /status=ok,.*slaves=1,sentinels=3/.test(info)),
      "30 seconds"
    )
    const switches = yield* watchSwitches(started[0].port)
    return {
      name,
      primary,
      replica,
      sentinels: started,
      addresses: started.map(({ port }) => ({ host: "127.0.0.1", port })),
      ports: [primary.port, replica.port, ...started.map(({ port }) => port)],
      nextSwitch: (within) =>
        Queue.take(switches).pipe(
          Effect.timeoutFail({
            duration: within,
            onTimeout: () => new Error(`no +switch-master within ${Duration.format(Duration.decode(within))}`)
          })
        ),
      setDownAfter: (millis) =>
        Effect.forEach(
          started,
          ({ port }) => ask(port, `SENTINEL SET ${name} down-after-milliseconds ${millis}`),
          { discard: true }
        )
    }
  })

/**
 * When the probes next answer readiness `ready` (at once when they already do), as `Date.now()` when the
 * state changed, waiting up to `within`.
 */
export const readyAt = (
  health: HealthServer.HealthState,
  ready: boolean,
  within: Duration.DurationInput
): Effect.Effect<number, Error> =>
  health.changes.pipe(
    Stream.filter((status) => status.ready === ready),
    Stream.map(() => Date.now()),
    Stream.runHead,
    Effect.flatten,
    Effect.timeoutFail({
      duration: within,
      onTimeout: () => new Error(`readiness not ${ready} within ${Duration.format(Duration.decode(within))}`)
    }),
    Effect.mapError((error) => error instanceof Error ? error : new Error("the changes ended"))
  )

/** A GET whose body is asked as JSON (`Accept: application/json`), parsed. */
export const getJson = (port: number, path: string): Effect.Effect<{ readonly status: number; readonly body: any }> =>
  Effect.promise(async () => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      headers: { accept: "application/json", connection: "close" },
      signal: AbortSignal.timeout(5_000)
    })
    return { status: response.status, body: await response.json() }
  })
