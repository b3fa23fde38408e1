/**
 * `pnpm bench`: probe throughput, latency and server memory/CPU, measured from a second process.
 *
 * Starts bench/server.mjs (the built HealthServerLive + a real Redis from REDIS_URL, default 127.0.0.1:6379;
 * `pnpm bench` builds first) as a plain Node child process on a free loopback port, warms it up, then sends a fixed number of GET /healthz and /readyz over
 * keep-alive connections at a fixed concurrency. Reports requests/s, latency percentiles, the server's CPU time
 * per 1,000 probes and its resident memory before and after. Loopback only; bounded in count and time.
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Net from "node:net"
import * as Path from "node:path"

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 50_000)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16)
const WARMUP = 5_000
const root = Path.resolve(import.meta.dirname, "..")

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = Net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as Net.AddressInfo
      server.close(() => resolve(port))
    })
  })

/** Resident memory (kB) and user+system CPU time (ms) of a process, from /proc. */
const usage = (pid: number) => {
  const rss = Number(/VmRSS:\s+(\d+)/.exec(Fs.readFileSync(`/proc/${pid}/status`, "utf8"))![1])
  const stat = Fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")
  const ticks = Number(stat[11]) + Number(stat[12]) // utime + stime, in clock ticks (100 per second)
  return { rssKb: rss, cpuMs: ticks * 10 }
}

const main = async () => {
  const port = await freePort()
  const server = ChildProcess.spawn(process.execPath, ["bench/server.mjs"], {
    cwd: root,
    env: { ...process.env, SG_HEALTH_PORT: String(port) },
    stdio: ["ignore", "pipe", "inherit"]
  })
  const killTimer = setTimeout(() => {
    server.kill("SIGKILL")
    console.error("bench: gave up after 180 s")
    process.exit(1)
  }, 180_000)
  await new Promise<void>((resolve, reject) => {
    server.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve())
    server.once("exit", (code) => reject(new Error(`server exited ${code}`)))
  })

  const agent = new Http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })
  const get = (path: string) =>
    new Promise<number>((resolve, reject) => {
      const start = process.hrtime.bigint()
      Http.get({ host: "127.0.0.1", port, path, agent }, (response) => {
        response.resume()
        response.on("end", () => {
          if (response.statusCode !== 200) reject(new Error(`${path}: ${response.statusCode}`))
          else resolve(Number(process.hrtime.bigint() - start) / 1e6)
        })
      }).on("error", reject)
    })
  const run = async (count: number) => {
    const latencies: Array<number> = []
    let next = 0
    const worker = async () => {
      while (next < count) {
        const i = next++
        latencies.push(await get(i % 2 === 0 ? "/healthz" : "/readyz"))
      }
    }
    const start = process.hrtime.bigint()
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    return { latencies, seconds: Number(process.hrtime.bigint() - start) / 1e9 }
  }

  await run(WARMUP)
  const before = usage(server.pid!)
  const { latencies, seconds } = await run(REQUESTS)
  const after = usage(server.pid!)
  latencies.sort((a, b) => a - b)
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(3)

  console.log(`probes:             ${REQUESTS} (concurrency ${CONCURRENCY}, keep-alive, after ${WARMUP} warm-up)`)
  console.log(`throughput:         ${(REQUESTS / seconds).toFixed(0)} requests/s`)
  console.log(`latency ms:         p50 ${pct(0.5)}  p99 ${pct(0.99)}  max ${pct(1)}`)
  console.log(
    `server CPU:         ${((after.cpuMs - before.cpuMs) / (REQUESTS / 1000)).toFixed(1)} ms per 1,000 probes`
  )
  console.log(`server RSS:         ${(before.rssKb / 1024).toFixed(1)} MiB -> ${(after.rssKb / 1024).toFixed(1)} MiB`)

  agent.destroy()
  clearTimeout(killTimer)
  server.kill("SIGTERM")
  await new Promise((resolve) => server.once("exit", resolve))
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
