/**
 * Redis Cluster and Sentinel, independent of Effect: node lists, the choice of one topology among the options,
 * the Cluster check (`CLUSTER INFO` of each primary in turn, and its verdict) and the guard that connects a
 * Sentinel client again when ioredis has given it up.
 */
import type { Cluster, Redis } from "ioredis"
import { isRedisUrl, nonOverlapping } from "./redis.js"
import type { Details } from "./state.js"

/** A node or a sentinel. */
export interface Address {
  readonly host: string
  readonly port: number
}

/** Where a client the library owns connects: one topology. */
export type Topology =
  | { readonly _tag: "Single"; readonly url: string }
  | { readonly _tag: "Cluster"; readonly nodes: ReadonlyArray<Address> }
  | { readonly _tag: "Sentinel"; readonly sentinels: ReadonlyArray<Address>; readonly name: string }

/** An option that cannot be used, and why. */
export interface Problem {
  readonly option: string
  readonly problem: string
}

export const defaultUrl = "redis://127.0.0.1:6379"
export const defaultSentinelName = "mymaster"

const isPort = (port: number): boolean => Number.isInteger(port) && port >= 1 && port <= 65535

/** `host:port` or `[ipv6]:port`; `undefined` when it is neither. */
const parseAddress = (text: string): { readonly host: string; readonly port: string } | undefined => {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^\s:[\]]+):(\d+)$/.exec(text)
  return match === null ? undefined : { host: match[1], port: match[2] }
}

/**
 * A comma list of `host:port` (`[ipv6]:port` too), e.g. `REDIS_CLUSTER_NODES`: the addresses, or what is wrong
 * with it (an empty list, an entry that is not `host:port`, a port outside 1-65535), without repeating it.
 */
export const parseAddressList = (list: string): ReadonlyArray<Address> | string => {
  const entries = list.split(",").map((entry) => entry.trim())
  if (entries.every((entry) => entry === "")) return "Expected a comma-separated list of host:port, got none"
  const addresses: Array<Address> = []
  for (const [index, entry] of entries.entries()) {
    const address = parseAddress(entry)
    // The entry itself is not repeated: a misplaced URL could hold a password.
    if (address === undefined) return `Expected host:port at entry ${index + 1}`
    const port = Number(address.port)
    if (!isPort(port)) return `Expected a port from 1 to 65535 at entry ${index + 1}, got ${address.port}`
    addresses.push({ host: address.host, port })
  }
  return addresses
}

/** What is wrong with `addresses` given in code as `option`, if anything. */
const addressesProblem = (option: string, addresses: ReadonlyArray<Address>): Problem | undefined => {
  if (addresses.length === 0) return { option, problem: "must name at least one host and port" }
  for (const [index, { host, port }] of addresses.entries()) {
    if (typeof host !== "string" || host.trim() === "") {
      return { option: `${option}[${index}].host`, problem: "must be a host name or address" }
    }
    if (!isPort(port)) return { option: `${option}[${index}].port`, problem: `must be a port from 1 to 65535` }
  }
  return undefined
}

export interface TopologyInput {
  /** Unwrapped from its `Redacted`: never put in a problem. */
  readonly url?: string | undefined
  readonly cluster?: { readonly nodes: ReadonlyArray<Address> } | undefined
  readonly sentinel?: { readonly sentinels: ReadonlyArray<Address>; readonly name?: string | undefined } | undefined
}

/** The one topology the options ask for (a single server at the default URL when none), or what is wrong. */
export const topologyOf = (input: TopologyInput): Topology | Problem => {
  const given = (["url", "cluster", "sentinel"] as const).filter((option) => input[option] !== undefined)
  if (given.length > 1) {
    return { option: given[1], problem: `give one topology only, not ${given.join(" and ")}` }
  }
  if (input.cluster !== undefined) {
    return addressesProblem("cluster.nodes", input.cluster.nodes) ?? { _tag: "Cluster", nodes: input.cluster.nodes }
  }
  if (input.sentinel !== undefined) {
    const { name = defaultSentinelName, sentinels } = input.sentinel
    if (name.trim() === "") return { option: "sentinel.name", problem: "must not be empty" }
    return addressesProblem("sentinel.sentinels", sentinels) ?? { _tag: "Sentinel", sentinels, name }
  }
  return { _tag: "Single", url: input.url ?? defaultUrl }
}

/** An option of a client the library owns that cannot be used: `InvalidUrl` for `url`, `InvalidOption` else. */
export interface ClientProblem extends Problem {
  readonly reason: "InvalidUrl" | "InvalidOption"
}

/**
 * The topology of a client the library owns (see `topologyOf`), or what is wrong with its options, a URL that is
 * not `redis://` or `rediss://` included (the URL itself is never repeated).
 */
export const clientTopologyOf = (input: TopologyInput): Topology | ClientProblem => {
  const topology = topologyOf(input)
  if ("problem" in topology) return { reason: "InvalidOption", ...topology }
  if (topology._tag === "Single" && !isRedisUrl(topology.url)) {
    return {
      reason: "InvalidUrl",
      option: "url",
      problem: "expected redis://[user:password@]host[:port][/db] or rediss://..."
    }
  }
  return topology
}

/** The `field:value` lines of `CLUSTER INFO`. */
export const parseClusterInfo = (info: string): Readonly<Record<string, string>> =>
  Object.fromEntries(
    info.split(/\r?\n/).flatMap((line) => {
      const colon = line.indexOf(":")
      return colon === -1 ? [] : [[line.slice(0, colon).trim(), line.slice(colon + 1).trim()]]
    })
  )

/** A node's view of the cluster: whether it serves every slot (`cluster_state:ok`), and the details shown. */
export interface ClusterVerdict {
  readonly ok: boolean
  readonly details: Details
}

const count = (value: string | undefined): number => Number(value ?? 0)

export const clusterVerdict = (info: string): ClusterVerdict => {
  const fields = parseClusterInfo(info)
  const state = fields.cluster_state ?? "unknown"
  return {
    ok: state === "ok",
    details: {
      cluster_state: state,
      slots_ok: count(fields.cluster_slots_ok),
      slots_pfail: count(fields.cluster_slots_pfail),
      slots_fail: count(fields.cluster_slots_fail),
      known_nodes: count(fields.cluster_known_nodes),
      cluster_size: count(fields.cluster_size)
    }
  }
}

const addressOf = (node: Redis): string => `${node.options.host}:${node.options.port}`

/** `CLUSTER INFO` to one node, never overlapping itself, and the node's last connection error. */
interface Asker {
  readonly ask: () => Promise<string>
  lastError: Error | undefined
}

const makeAsker = (node: Redis): Asker => {
  const asker: Asker = { ask: nonOverlapping(() => node.cluster("INFO") as Promise<string>), lastError: undefined }
  node.on("error", (error: Error) => asker.lastError = error)
  node.on("ready", () => asker.lastError = undefined)
  return asker
}

/**
 * The Cluster check: each run asks one primary, the next in turn (round-robin over `cluster.nodes("master")`
 * in address order), for `CLUSTER INFO`, and resolves with its verdict. A primary that cannot be reached
 * rejects with the node's error (its connection's own, such as `ECONNREFUSED`, when it has one). A node is
 * never sent a second `CLUSTER INFO` while one is unanswered: its turn waits on that one.
 *
 * ioredis drops a node from its pool when its connection ends, and adds it back only when it fetches the slots
 * again; so when the node asked cannot be reached, or reports more primaries than the pool holds, the check
 * has it fetch them (`refreshSlotsCache`), and the turn comes back to every primary.
 */
export const makeClusterCheck = (cluster: Cluster): () => Promise<ClusterVerdict> => {
  const askers = new WeakMap<Redis, Asker>()
  let turn = 0
  const refresh = () => {
    if (cluster.status === "ready") cluster.refreshSlotsCache()
  }
  return async () => {
    const primaries = cluster.nodes("master").sort((a, b) => addressOf(a).localeCompare(addressOf(b)))
    if (primaries.length === 0) {
      refresh()
      throw new Error(`no primary known (cluster ${cluster.status})`)
    }
    const node = primaries[turn++ % primaries.length]
    const asker = askers.get(node) ?? makeAsker(node)
    askers.set(node, asker)
    let info: string
    try {
      info = await asker.ask()
    } catch (error) {
      refresh()
      // A command refused because the connection is down says only that; the connection's own error says why.
      throw node.status === "ready" ? error : asker.lastError ?? error
    }
    const verdict = clusterVerdict(info)
    if (Number(verdict.details.cluster_size) > primaries.length) refresh()
    return verdict
  }
}

/**
 * Keeps a Sentinel client the library owns connected. ioredis can end such a client for good when a failover
 * (`+switch-master`) arrives while it is looking the primary up after a disconnection: it then stays `end` and
 * every command fails. The guard connects it again when it ends while the owner has not closed it; `close`
 * (called before the owner closes the client) stops the guard.
 */
export const reconnectWhenEnded = (client: Redis, delayMillis = 100): { readonly close: () => void } => {
  let closed = false
  let timer: ReturnType<typeof setTimeout> | undefined
  const onEnd = () => {
    if (closed || timer !== undefined) return
    timer = setTimeout(() => {
      timer = undefined
      if (!closed && client.status === "end") client.connect().catch(() => {})
    }, delayMillis)
  }
  client.on("end", onEnd)
  return {
    close: () => {
      closed = true
      clearTimeout(timer)
      client.off("end", onEnd)
    }
  }
}
