/**
 * Redis Cluster and Sentinel set-ups for integration tests, on loopback ports of their own: `close` kills every
 * process by its pid and removes every directory. Each `redis-server` has its own `--dir` (a replica writes
 * `dump.rdb` there; a cluster node its `nodes.conf`). Effect-free (promises), for every suite: each line's
 * tests scope them in their own Effect.
 *
 * - `cluster()`: three primaries, no replicas, `cluster-node-timeout` 1 s (the survivors report
 *   `cluster_state:fail` 1-2 s after a primary dies).
 * - `sentinels()`: a primary, its replica and three sentinels (quorum 2), `down-after-milliseconds` 1 s and
 *   `failover-timeout` 3 s; `nextSwitch` reports each `+switch-master`, as a sentinel publishes it.
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import * as Clients from "./redisClients.js"
import type { RedisServer } from "./redisServer.js"
import * as Redis from "./redisServer.js"
import { waitFor } from "./wait.js"

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
export const clientConnections = (ports: ReadonlyArray<number>): Promise<number> =>
  waitFor(
    async () =>
      Clients.clientConnections(await Promise.all(ports.map((port) => Redis.rawCommand(port, "CLIENT LIST")))),
    (count): count is number => count !== undefined,
    { within: 5_000, every: 10, what: "every connection named" }
  )

/**
 * The client connections on `ports` now (see `clientConnections`), and `back`: waits until there are as many
 * again (up to 10 s), e.g. after a client's release.
 */
export const connectionsNow = async (ports: ReadonlyArray<number>) => {
  const baseline = await clientConnections(ports)
  return {
    baseline,
    back: () =>
      waitFor(() => clientConnections(ports), (connections) => connections === baseline, {
        within: 10_000,
        what: `${baseline} client connections`
      }).then(() => undefined)
  }
}

/** Runs a command to its end; its output, or an error carrying it. */
const run = (command: string, args: ReadonlyArray<string>): Promise<string> =>
  new Promise((resolve, reject) => {
    ChildProcess.execFile(command, args, { timeout: 30_000 }, (error, stdout, stderr) =>
      error === null ? resolve(stdout) : reject(new Error(`${command} failed: ${error}\n${stdout}${stderr}`)))
  })

/** Closes every one of `resources` (the last started first), then removes `dir`. */
const closeAll = async (resources: ReadonlyArray<{ readonly close: () => unknown }>, dir: Redis.TempDir) => {
  for (const resource of [...resources].reverse()) await resource.close()
  await dir.close()
}

/** Runs `build` with a list to add what it starts to; closes them all when `build` fails. */
const building = async <A>(
  build: (started: Array<{ readonly close: () => unknown }>, dir: string) => Promise<A>
): Promise<A & { readonly close: () => Promise<void> }> => {
  const dir = Redis.tempDir()
  const started: Array<{ readonly close: () => unknown }> = []
  try {
    const built = await build(started, dir.path)
    return { ...built, close: () => closeAll(started, dir) }
  } catch (error) {
    await closeAll(started, dir)
    throw error
  }
}

export interface Cluster {
  readonly nodes: ReadonlyArray<RedisServer>
  /** The nodes as `RedisClient.Options.cluster.nodes`. */
  readonly seeds: ReadonlyArray<{ readonly host: string; readonly port: number }>
  /** `cluster_state` as `node` reports it (`ok`, `fail`). */
  readonly state: (node: RedisServer) => Promise<string>
  /** Waits until every node in `nodes` reports `state`. */
  readonly awaitState: (state: string, nodes?: ReadonlyArray<RedisServer>) => Promise<void>
  /** Calls of `CLUSTER INFO` that `node` has answered. */
  readonly infoCalls: (node: RedisServer) => Promise<number>
  readonly close: () => Promise<void>
}

/** A cluster of three primaries (no replicas), every slot assigned and `cluster_state:ok` on each node. */
export const cluster = (): Promise<Cluster> =>
  building(async (started, root) => {
    const nodes = await Promise.all(["a", "b", "c"].map(async (name) => {
      const node = await Redis.start({
        args: ["--cluster-enabled", "yes", "--cluster-node-timeout", "1000", "--dir", Redis.subdir(root, name)]
      })
      started.push(node)
      return node
    }))
    await run("redis-cli", [
      "--cluster",
      "create",
      ...nodes.map((node) => `127.0.0.1:${node.port}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes"
    ])
    const state = async (node: RedisServer) =>
      fields(await Redis.rawCommand(node.port, "CLUSTER INFO")).cluster_state ?? "unknown"
    const awaitState = (wanted: string, which: ReadonlyArray<RedisServer> = nodes) =>
      waitFor(
        () => Promise.all(which.map(state)),
        (states) => states.every((state) => state === wanted),
        { within: 20_000, what: `cluster_state:${wanted}` }
      ).then(() => undefined)
    await awaitState("ok")
    return {
      nodes,
      seeds: nodes.map((node) => ({ host: "127.0.0.1", port: node.port })),
      state,
      awaitState,
      infoCalls: (node: RedisServer) => Redis.commandCalls(node, "cluster\\|info")
    }
  })

/** A `redis-server` in sentinel mode. */
export interface Sentinel {
  readonly port: number
  readonly close: () => Promise<void>
}

/**
 * Starts a sentinel monitoring `primaryPort` as `name`, in a directory of its own below `root` and on a port of
 * its own: a random one, another when it is taken (the sentinel says `Address already in use` and exits).
 */
const startSentinel = async (root: string, name: string, primaryPort: number): Promise<Sentinel> => {
  for (let attempt = 1;; attempt++) {
    const port = Redis.randomPort()
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
    let child: ChildProcess.ChildProcess | undefined
    const close = () => child === undefined ? Promise.resolve() : Redis.killed(child)
    try {
      if (await Redis.spawnRedis([conf, "--sentinel"], "Sentinel ID is", (started) => child = started) === "ready") {
        return { port, close }
      }
    } catch (error) {
      await close()
      throw error
    }
    if (attempt === 20) throw new Error("sentinel did not start: no free port after 20 attempts")
  }
}

export interface Sentinels {
  readonly name: string
  readonly primary: RedisServer
  readonly replica: RedisServer
  readonly sentinels: ReadonlyArray<Sentinel>
  /** The sentinels as `RedisClient.Options.sentinel.sentinels`. */
  readonly addresses: ReadonlyArray<{ readonly host: string; readonly port: number }>
  /** Every port: the two servers and the sentinels (for `clientConnections`). */
  readonly ports: ReadonlyArray<number>
  /** The port of the next `+switch-master`'s new primary, waiting for it up to `within` milliseconds. */
  readonly nextSwitch: (within: number) => Promise<number>
  /** `down-after-milliseconds` on every sentinel. */
  readonly setDownAfter: (millis: number) => Promise<void>
  readonly close: () => Promise<void>
}

/**
 * Subscribes to `+switch-master` on the sentinel on `port`; `next` gives each new primary's port in turn,
 * waiting for it up to `within` milliseconds.
 */
const watchSwitches = (
  port: number
): Promise<{ readonly next: (within: number) => Promise<number>; readonly close: () => void }> =>
  new Promise((resolve, reject) => {
    const switches: Array<number> = []
    const waiting: Array<(port: number) => void> = []
    // A message's payload: `<name> <old ip> <old port> <new ip> <new port>`.
    const message = /\+switch-master\r\n\$\d+\r\n\S+ \S+ \d+ \S+ (\d+)\r\n/
    const socket = Net.connect({ host: "127.0.0.1", port })
    let buffer = ""
    socket.setEncoding("utf8")
    socket.once("error", reject)
    socket.on("data", (chunk: string) => {
      buffer += chunk
      for (let match = message.exec(buffer); match !== null; match = message.exec(buffer)) {
        const waiter = waiting.shift()
        if (waiter === undefined) switches.push(Number(match[1]))
        else waiter(Number(match[1]))
        buffer = buffer.slice(match.index + match[0].length)
      }
    })
    socket.once("connect", () => {
      socket.write("CLIENT SETNAME test-watch\r\nSUBSCRIBE +switch-master\r\n")
      resolve({
        next: (within) =>
          switches.length > 0 ? Promise.resolve(switches.shift()!) : new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
              waiting.splice(waiting.indexOf(settle), 1)
              reject(new Error(`no +switch-master within ${within} ms`))
            }, within)
            const settle = (port: number) => {
              clearTimeout(timer)
              resolve(port)
            }
            waiting.push(settle)
          }),
        close: () => socket.destroy()
      })
    })
  })

/** A primary, its replica and three sentinels that all know both and one another. */
export const sentinels = (name = "mymaster"): Promise<Sentinels> =>
  building(async (started, root) => {
    const primary = await Redis.start({
      args: ["--dir", Redis.subdir(root, "primary"), "--repl-diskless-sync-delay", "0"]
    })
    started.push(primary)
    const replica = await Redis.start({
      args: ["--dir", Redis.subdir(root, "replica"), "--replicaof", "127.0.0.1", String(primary.port)]
    })
    started.push(replica)
    const watched = await Promise.all([1, 2, 3].map(async () => {
      const sentinel = await startSentinel(root, name, primary.port)
      started.push(sentinel)
      return sentinel
    }))
    // Ready for a failover: every sentinel sees the replica and the two other sentinels.
    await waitFor(
      () => Promise.all(watched.map(({ port }) => Redis.rawCommand(port, "INFO sentinel"))),
      (infos) => infos.every((info) => /status=ok,.*slaves=1,sentinels=3/.test(info)),
      { within: 30_000, what: "every sentinel seeing the replica and the two others" }
    )
    const switches = await watchSwitches(watched[0].port)
    started.push(switches)
    return {
      name,
      primary,
      replica,
      sentinels: watched,
      addresses: watched.map(({ port }) => ({ host: "127.0.0.1", port })),
      ports: [primary.port, replica.port, ...watched.map(({ port }) => port)],
      nextSwitch: switches.next,
      setDownAfter: async (millis: number) => {
        for (const { port } of watched) {
          await Redis.rawCommand(port, `SENTINEL SET ${name} down-after-milliseconds ${millis}`)
        }
      }
    }
  })
