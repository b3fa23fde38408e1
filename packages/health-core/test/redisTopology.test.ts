/**
 * The Effect-free part of Redis Cluster and Sentinel support, over fakes: node lists, the choice of one
 * topology, the Cluster verdict, which primary the Cluster check asks and when it has ioredis fetch the slots
 * again, and the guard that connects an ended Sentinel client again.
 */
import { describeError } from "@stargazer/health-core/redis"
import * as Topology from "@stargazer/health-core/redisTopology"
import { Cluster, Redis } from "ioredis"
import { EventEmitter } from "node:events"
import { assert, describe, it } from "vitest"

const info = (state: string, size = 3) =>
  [
    `cluster_state:${state}`,
    "cluster_slots_assigned:16384",
    `cluster_slots_ok:${state === "ok" ? 16384 : 10923}`,
    "cluster_slots_pfail:0",
    `cluster_slots_fail:${state === "ok" ? 0 : 5461}`,
    "cluster_known_nodes:3",
    `cluster_size:${size}`,
    ""
  ].join("\r\n")

/** A node of a fake cluster: answers `CLUSTER INFO` with `reply()` (a promise it may leave pending). */
class FakeNode extends EventEmitter {
  status = "ready"
  asked = 0
  constructor(readonly options: { readonly host: string; readonly port: number }, public reply: () => Promise<string>) {
    super()
  }
  cluster(_subcommand: string) {
    this.asked++
    return this.reply()
  }
}

const fakeCluster = (nodes: ReadonlyArray<FakeNode>) => {
  const cluster = {
    status: "ready",
    refreshes: 0,
    primaries: [...nodes],
    nodes: (_role: string) => [...cluster.primaries],
    refreshSlotsCache: () => {
      cluster.refreshes++
    }
  }
  return cluster
}

const node = (port: number, reply: () => Promise<string> = () => Promise.resolve(info("ok"))) =>
  new FakeNode({ host: "10.0.0.1", port }, reply)

describe("node lists", () => {
  it("parses host:port and [ipv6]:port, trimming blanks", () => {
    assert.deepStrictEqual(Topology.parseAddressList(" a:1, [::1]:7001 ,10.0.0.3:65535"), [
      { host: "a", port: 1 },
      { host: "::1", port: 7001 },
      { host: "10.0.0.3", port: 65535 }
    ])
  })

  it("says what is wrong: nothing, an entry that is not host:port, a port out of range", () => {
    assert.strictEqual(Topology.parseAddressList(" , "), "Expected a comma-separated list of host:port, got none")
    assert.strictEqual(Topology.parseAddressList("a:1,b"), "Expected host:port at entry 2")
    assert.strictEqual(Topology.parseAddressList("a:1,,b:2"), "Expected host:port at entry 2")
    assert.strictEqual(Topology.parseAddressList("redis://:hunter2@a:1"), "Expected host:port at entry 1")
    assert.strictEqual(Topology.parseAddressList("a:0"), "Expected a port from 1 to 65535 at entry 1, got 0")
    assert.strictEqual(Topology.parseAddressList("a:65536"), "Expected a port from 1 to 65535 at entry 1, got 65536")
  })

  it("takes one topology, a single server at the default URL when none is given", () => {
    assert.deepStrictEqual(Topology.topologyOf({}), { _tag: "Single", url: "redis://127.0.0.1:6379" })
    assert.deepStrictEqual(Topology.topologyOf({ sentinel: { sentinels: [{ host: "s", port: 1 }] } }), {
      _tag: "Sentinel",
      sentinels: [{ host: "s", port: 1 }],
      name: "mymaster"
    })
    assert.deepStrictEqual(
      Topology.topologyOf({ url: "redis://a", sentinel: { sentinels: [] }, cluster: { nodes: [] } }),
      { option: "cluster", problem: "give one topology only, not url and cluster and sentinel" }
    )
  })
})

describe("the Cluster verdict", () => {
  it("is ok only on cluster_state:ok, with the details", () => {
    assert.deepStrictEqual(Topology.clusterVerdict(info("ok")), {
      ok: true,
      details: { cluster_state: "ok", slots_ok: 16384, slots_pfail: 0, slots_fail: 0, known_nodes: 3, cluster_size: 3 }
    })
    assert.deepInclude(Topology.clusterVerdict(info("fail")), { ok: false })
    assert.deepInclude(Topology.clusterVerdict(info("fail")).details, { slots_fail: 5461, slots_ok: 10923 })
    assert.deepInclude(Topology.clusterVerdict("garbage"), { ok: false })
  })
})

describe("the Cluster check", () => {
  it("asks each primary in turn, in address order", async () => {
    const nodes = [node(7002), node(7000), node(7001)]
    const cluster = fakeCluster(nodes)
    const check = Topology.makeClusterCheck(cluster as unknown as Cluster)
    for (let run = 0; run < 7; run++) assert.isTrue((await check()).ok)
    assert.deepStrictEqual(nodes.map((node) => node.asked), [2, 3, 2])
    assert.strictEqual(cluster.refreshes, 0)
  })

  it("fails with the node's connection error when the primary asked cannot be reached, and fetches the slots again", async () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:7000"), { code: "ECONNREFUSED" })
    // As ioredis' node: the connection fails ("error"), the node ends, and the command is refused.
    const dead: FakeNode = node(7000, () => {
      dead.emit("error", refused)
      dead.status = "end"
      return Promise.reject(new Error("Connection is closed."))
    })
    const cluster = fakeCluster([dead, node(7001)])
    const check = Topology.makeClusterCheck(cluster as unknown as Cluster)
    const error = await check().then(() => undefined, (error: unknown) => error)
    assert.strictEqual(error, refused)
    assert.strictEqual(cluster.refreshes, 1)
    assert.isTrue((await check()).ok)
  })

  it("fetches the slots again when the cluster has more primaries than the client's pool", async () => {
    const cluster = fakeCluster([node(7000), node(7001)])
    const check = Topology.makeClusterCheck(cluster as unknown as Cluster)
    await check()
    assert.strictEqual(cluster.refreshes, 1)
    cluster.status = "reconnecting"
    await check()
    assert.strictEqual(cluster.refreshes, 1)
  })

  it("never sends a second CLUSTER INFO to a node that has not answered the first", async () => {
    let answer = (_reply: string) => {}
    const hung = node(7000, () => new Promise<string>((resolve) => answer = resolve))
    const check = Topology.makeClusterCheck(fakeCluster([hung]) as unknown as Cluster)
    const first = check()
    const second = check()
    assert.strictEqual(hung.asked, 1)
    answer(info("fail"))
    assert.deepInclude(await first, { ok: false })
    assert.deepInclude(await second, { ok: false })
    hung.reply = () => Promise.resolve(info("ok"))
    assert.isTrue((await check()).ok)
    assert.strictEqual(hung.asked, 2)
  })

  it("fails when it knows no primary", async () => {
    const cluster = fakeCluster([])
    cluster.status = "reconnecting"
    const error = await Topology.makeClusterCheck(cluster as unknown as Cluster)().catch((error: Error) => error)
    assert.strictEqual((error as Error).message, "no primary known (cluster reconnecting)")
  })
})

describe("errors of Cluster and Sentinel clients", () => {
  it("name no seed, sentinel or password", () => {
    const cluster = new Cluster(["seed-a.internal:7000", { host: "seed-b.internal", port: 7001 }], {
      lazyConnect: true,
      redisOptions: { password: "cluster-pw" }
    })
    assert.strictEqual(
      describeError(cluster, new Error("seed-a.internal:7000 and seed-b.internal:7001 refused cluster-pw")),
      "[redacted] and [redacted] refused [redacted]"
    )
    const sentinel = new Redis({
      sentinels: [{ host: "sentinel-a.internal", port: 26379 }],
      sentinelPassword: "sentinel-pw",
      password: "primary-pw",
      name: "mymaster",
      lazyConnect: true
    })
    assert.strictEqual(
      describeError(sentinel, new Error("Last error: sentinel-a.internal:26379 sentinel-pw primary-pw")),
      "Last error: [redacted] [redacted] [redacted]"
    )
  })
})

describe("the Sentinel end-guard", () => {
  /** A client that ends (as ioredis does in the race) and counts `connect` calls. */
  const fakeClient = () => {
    const client = Object.assign(new EventEmitter(), {
      status: "ready",
      connects: 0,
      connect: () => {
        client.connects++
        client.status = "ready"
        return Promise.resolve()
      },
      end: () => {
        client.status = "end"
        client.emit("end")
      }
    })
    return client
  }
  const wait = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))

  it("connects a client that ended without its owner closing it again", async () => {
    const client = fakeClient()
    const guard = Topology.reconnectWhenEnded(client as unknown as Redis, 5)
    client.end()
    await wait(30)
    assert.strictEqual(client.connects, 1)
    client.end()
    await wait(30)
    assert.strictEqual(client.connects, 2)
    guard.close()
  })

  it("leaves a client alone once its owner closes it, or when it is connecting again on its own", async () => {
    const client = fakeClient()
    const guard = Topology.reconnectWhenEnded(client as unknown as Redis, 5)
    client.end()
    client.status = "connecting"
    await wait(30)
    assert.strictEqual(client.connects, 0)
    guard.close()
    client.end()
    await wait(30)
    assert.strictEqual(client.connects, 0)
    assert.strictEqual(client.listenerCount("end"), 0)
  })
})
