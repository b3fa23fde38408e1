/**
 * The clients the library owns, independent of Effect: one per topology, built for probing (connected when
 * asked, a command sent while disconnected fails at once), with the connection's last error kept to say why a
 * command was refused, and a close that leaves no socket open.
 */
import type { ClusterOptions, RedisOptions } from "ioredis"
import { Cluster, Redis } from "ioredis"
import type { Client } from "./redis.js"
import { describeError, isCluster } from "./redis.js"
import type { Topology } from "./redisTopology.js"
import { reconnectWhenEnded } from "./redisTopology.js"

/** How often a Cluster client the library owns fetches the slots again (ioredis' default: never). */
export const slotsRefreshMillis = 5_000

export interface ClientOptions {
  /** Unwrapped from its `Redacted` by the caller. */
  readonly password?: string | undefined
  readonly connectTimeoutMillis: number
  readonly closeTimeoutMillis: number
  readonly redisOptions?: RedisOptions | undefined
  readonly clusterOptions?: ClusterOptions | undefined
}

/** A client the library owns. */
export interface Owned {
  readonly client: Client
  /** The connection's last error, until it is ready again: why a command was refused. */
  readonly connectionError: () => Error | undefined
  /** Closes the client: bounded by the close timeout, never rejects, no socket left open. */
  readonly close: () => Promise<void>
}

/** `QUIT`, bounded by `timeoutMillis`, then the sockets dropped whatever happened. */
const quitThenDisconnect = (client: Client, timeoutMillis: number) => async (): Promise<void> => {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, timeoutMillis))
  await Promise.race([client.quit().then(() => {}, () => {}), timeout])
  clearTimeout(timer)
  client.disconnect()
}

const build = (topology: Topology, options: ClientOptions): Pick<Owned, "client" | "close"> => {
  const { password } = options
  const withPassword = (password: string | undefined) => password === undefined ? {} : { password }
  const commands = { maxRetriesPerRequest: 1, connectTimeout: options.connectTimeoutMillis }
  // Connected by the owner; a command sent while disconnected fails at once instead of waiting.
  const base: RedisOptions = { lazyConnect: true, enableOfflineQueue: false, ...commands }
  switch (topology._tag) {
    case "Single": {
      // A password in the URL wins over `password`.
      const client = new Redis(topology.url, {
        ...base,
        ...withPassword(new URL(topology.url).password === "" ? password : undefined),
        ...options.redisOptions
      })
      return { client, close: quitThenDisconnect(client, options.closeTimeoutMillis) }
    }
    case "Cluster": {
      const client = new Cluster([...topology.nodes], {
        lazyConnect: true,
        enableOfflineQueue: false,
        slotsRefreshInterval: slotsRefreshMillis,
        ...options.clusterOptions,
        redisOptions: { ...commands, ...withPassword(password), ...options.redisOptions }
      })
      return { client, close: quitThenDisconnect(client, options.closeTimeoutMillis) }
    }
    case "Sentinel": {
      const client = new Redis({
        ...base,
        ...withPassword(password),
        sentinels: [...topology.sentinels],
        name: topology.name,
        // Follows `+switch-master` at once, also away from a primary that hangs instead of closing its sockets.
        failoverDetector: true,
        ...options.redisOptions
      })
      const guard = reconnectWhenEnded(client)
      const close = async () => {
        guard.close()
        // `quit()` would leave the detector's subscriptions to the sentinels open; `disconnect()` closes them.
        client.disconnect()
      }
      return { client, close }
    }
  }
}

/** Creates the client for `topology`, not yet connected. */
export const create = (topology: Topology, options: ClientOptions): Owned => {
  const owned = build(topology, options)
  let connectionError: Error | undefined
  const failed = (error: Error) => connectionError = error
  // ioredis emits "error" once per failed (re)connection attempt; without a listener it prints them.
  owned.client.on("error", failed)
  if (isCluster(owned.client)) owned.client.on("node error", failed)
  owned.client.on("ready", () => connectionError = undefined)
  return { ...owned, connectionError: () => connectionError }
}

/** Why a command `client` sent was refused: a client that is not up says only that, its connection's error why. */
export const refusedReason = (
  client: Client,
  error: unknown,
  connectionError: () => Error | undefined
): { readonly reason: string; readonly cause: unknown } => {
  const cause = client.status === "ready" ? error : connectionError() ?? error
  return { reason: describeError(client, cause), cause }
}

/**
 * Connects the client the library owns, bounded by `timeoutMillis`; resolves with why it could not (the
 * connection's own error says more than the rejected promise), or `undefined` once connected. It keeps trying
 * in the background either way.
 */
export const connect = async (owned: Owned, timeoutMillis: number): Promise<string | undefined> => {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timedOut = new Promise<Error>((resolve) =>
    timer = setTimeout(() => resolve(new Error(`not connected within ${timeoutMillis} ms`)), timeoutMillis)
  )
  const failure = await Promise.race([
    owned.client.connect().then(() => undefined, (error: unknown) => error),
    timedOut
  ])
  clearTimeout(timer)
  return failure === undefined ? undefined : describeError(owned.client, owned.connectionError() ?? failure)
}
