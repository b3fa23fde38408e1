/**
 * Who is connected to a Redis server or sentinel, and what they send it: `CLIENT LIST` read, `MONITOR`
 * followed. Effect-free, for both packages' suites.
 */
import * as Net from "node:net"

/** The `field=value` pairs of one line of `CLIENT LIST`. */
const fieldsOf = (line: string): Map<string, string> =>
  new Map(
    line.split(" ").flatMap((pair) => {
      const equals = pair.indexOf("=")
      return equals === -1 ? [] : [[pair.slice(0, equals), pair.slice(equals + 1)] as const]
    })
  )

/**
 * How many connections in `CLIENT LIST` replies (`lists`) are clients': every connection but the one asking,
 * the sentinels' own links (named `sentinel-...`), replication links (flags `S`, `M`) and the test's own
 * (named `test-...`).
 *
 * `undefined` while a connection cannot be told yet: accepted, but it has neither named itself nor sent a
 * command (`name=` and `cmd=NULL`). A sentinel's link to another sentinel or to a server looks so between its
 * connect and its `CLIENT SETNAME`; counted then, as a client's, it made a count one too many, and a test that
 * waited for that count to come back waited in vain.
 */
export const clientConnections = (lists: ReadonlyArray<string>): number | undefined => {
  let count = 0
  for (const line of lists.flatMap((list) => list.split("\n"))) {
    const fields = fieldsOf(line)
    const name = fields.get("name")
    if (name === undefined) continue
    const command = fields.get("cmd")
    if (name === "" && command === "NULL") return undefined
    if (/^(sentinel|test)-/.test(name) || /[SM]/.test(fields.get("flags") ?? "") || command === "client|list") continue
    count++
  }
  return count
}

export interface Monitor {
  /** How many `command`s (any case) the server has run so far for the connection from local port `fromPort`. */
  readonly calls: (command: string, fromPort: number) => number
  readonly close: () => void
}

/**
 * Follows every command the server on `port` runs (`MONITOR`, over a connection named `test-monitor`), from the
 * moment the promise resolves.
 */
export const monitor = (port: number): Promise<Monitor> =>
  new Promise((resolve, reject) => {
    const socket = Net.connect({ host: "127.0.0.1", port })
    const lines: Array<string> = []
    let rest = ""
    let oks = 0
    socket.setEncoding("utf8")
    socket.on("connect", () => socket.write("CLIENT SETNAME test-monitor\r\nMONITOR\r\n"))
    socket.on("error", reject)
    socket.on("data", (chunk: string) => {
      const parts = (rest + chunk).split("\r\n")
      rest = parts.pop() ?? ""
      for (const line of parts) {
        // The replies to CLIENT SETNAME and MONITOR, then a line per command.
        if (oks < 2 && line === "+OK" && ++oks === 2) {
          resolve({
            // `+1796664200.591733 [0 127.0.0.1:37852] "ping"`
            calls: (command, fromPort) => {
              const from = `:${fromPort}] "${command.toLowerCase()}"`
              return lines.filter((line) => line.toLowerCase().includes(from)).length
            },
            close: () => socket.destroy()
          })
        } else lines.push(line)
      }
    })
  })

/** What an ioredis client went through: each connection event, when (ms after `follow`) and its status then. */
export const follow = (client: {
  readonly status: string
  readonly on: (event: string, listener: () => void) => unknown
}): { readonly history: () => string } => {
  const start = Date.now()
  const events: Array<string> = []
  for (const event of ["connect", "ready", "close", "reconnecting", "end"]) {
    client.on(event, () => events.push(`+${Date.now() - start}ms ${event} (${client.status})`))
  }
  return { history: () => events.join(", ") }
}
