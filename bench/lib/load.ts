/**
 * The load generator: wrk (`wrk -t1 -cN -dS --latency`) when it is on the PATH, else autocannon (a dependency
 * of this package); BENCH_LOAD_GENERATOR=autocannon forces the fallback. Either runs on the load core.
 */
import * as ChildProcess from "node:child_process"
import { createRequire } from "node:module"
import * as Path from "node:path"
import { captureOutput, cores, exited, spawn } from "./children.js"

export interface LoadResult {
  readonly requests: number
  readonly seconds: number
  readonly requestsPerSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  /** Responses other than 2xx/3xx. */
  readonly non2xx: number
  /** Connection errors and timeouts. */
  readonly errors: number
}

const hasWrk = (() => {
  if (process.env.BENCH_LOAD_GENERATOR === "autocannon") return false // to try the fallback where wrk is installed
  try {
    ChildProcess.execFileSync("wrk", ["-v"], { stdio: "ignore" })
    return true
  } catch (error) {
    // wrk -v prints its version and exits 1: it is there if it ran at all.
    return (error as NodeJS.ErrnoException).code !== "ENOENT"
  }
})()

export const generator: { readonly name: "wrk" | "autocannon"; readonly version: string } = hasWrk
  ? {
    name: "wrk",
    version: /wrk (\S+)/.exec(ChildProcess.spawnSync("wrk", ["-v"]).stdout.toString())?.[1] ?? "unknown"
  }
  : { name: "autocannon", version: String(createRequire(import.meta.url)("autocannon/package.json").version) }

/** Runs `command` to the end and returns its stdout; throws with its output if it fails. */
const run = async (command: string, args: ReadonlyArray<string>): Promise<string> => {
  const child = spawn(cores.load, command, args, { stdio: ["ignore", "pipe", "pipe"] })
  let stdout = ""
  child.stdout!.on("data", (chunk: Buffer) => stdout += chunk.toString())
  const output = captureOutput(child)
  await exited(child)
  if (child.exitCode !== 0) throw new Error(`${command} ${args.join(" ")} failed (${child.exitCode}):\n${output()}`)
  return stdout
}

const toMs = (value: string, unit: string): number =>
  Number(value) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 } as Record<string, number>)[unit]

const wrk = async (url: string, connections: number, seconds: number): Promise<LoadResult> => {
  const text = await run("wrk", ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", "--timeout", "10s", url])
  const percentile = (p: string) => {
    const match = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, "m").exec(text)
    if (match === null) throw new Error(`wrk: no ${p}% latency in:\n${text}`)
    return toMs(match[1], match[2])
  }
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(text)
  if (total === null) throw new Error(`wrk: no request count in:\n${text}`)
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text)
  const requests = Number(total[1])
  const elapsed = toMs(total[2], total[3]) / 1000
  return {
    requests,
    seconds: elapsed,
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? requests / elapsed),
    p50Ms: percentile("50"),
    p99Ms: percentile("99"),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0),
    errors: socketErrors === null ? 0 : socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0)
  }
}

interface AutocannonJson {
  readonly duration: number
  readonly errors: number
  readonly timeouts: number
  readonly non2xx: number
  readonly requests: { readonly total: number }
  readonly latency: { readonly p50: number; readonly p99: number }
}

const autocannon = async (url: string, connections: number, seconds: number): Promise<LoadResult> => {
  const require = createRequire(import.meta.url)
  const bin = Path.join(Path.dirname(require.resolve("autocannon/package.json")), "autocannon.js")
  const text = await run(process.execPath, [bin, "-c", String(connections), "-d", String(seconds), "-j", url])
  const json = JSON.parse(text) as AutocannonJson
  return {
    requests: json.requests.total,
    seconds: json.duration,
    requestsPerSecond: json.requests.total / json.duration,
    p50Ms: json.latency.p50,
    p99Ms: json.latency.p99,
    non2xx: json.non2xx,
    errors: json.errors + json.timeouts
  }
}

/** Keep-alive GETs of `url` on `connections` connections for `seconds`. */
export const load = (url: string, connections: number, seconds: number): Promise<LoadResult> =>
  generator.name === "wrk" ? wrk(url, connections, seconds) : autocannon(url, connections, seconds)
