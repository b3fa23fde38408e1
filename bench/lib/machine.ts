/** What the results were measured on, and with which versions. */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { pinning } from "./children.js"
import { generator } from "./load.js"

const benchDir = Path.join(import.meta.dirname, "..")
const root = Path.join(benchDir, "..")

const text = (command: string, args: ReadonlyArray<string>): string => {
  try {
    return ChildProcess.execFileSync(command, args, { cwd: root, stdio: ["ignore", "pipe", "ignore"] }).toString()
      .trim()
  } catch {
    return "unknown"
  }
}

export const machine = (): Record<string, string> => ({
  nproc: String(Os.cpus().length), // not availableParallelism(): this process is pinned to one core
  cpu: /model name\s*:\s*(.+)/.exec(Fs.readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "unknown",
  memory: `${(Os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
  kernel: `${Os.type()} ${Os.release()}`,
  node: process.version,
  "redis-server": /v=(\S+)/.exec(text("redis-server", ["--version"]))?.[1] ?? "unknown",
  "load generator": `${generator.name} ${generator.version}`,
  pinning: pinning
    ? "taskset: the load generator, redis-server and the runner on core 0, the server under test on core 1"
    : "none (taskset missing or a single core)",
  "load average at start": Os.loadavg().map((load) => load.toFixed(2)).join(" ")
})

const packageVersion = (name: string): string => {
  try {
    const json = JSON.parse(Fs.readFileSync(Path.join(benchDir, "node_modules", name, "package.json"), "utf8"))
    return String(json.version)
  } catch {
    return "not installed"
  }
}

/** The library's version, and the commit of the working tree it was built from (dirty: uncommitted changes). */
const libraryVersion = (): string => {
  const commit = text("git", ["rev-parse", "--short", "HEAD"])
  let dirty = text("git", ["ls-files", "--others", "--exclude-standard", "packages/health-server"]) !== ""
  try {
    ChildProcess.execFileSync("git", ["diff", "--quiet", "HEAD", "--", "packages/health-server"], {
      cwd: root,
      stdio: "ignore"
    })
  } catch {
    dirty = true
  }
  return `${packageVersion("@stargazer/health-server")} (workspace, built from ${commit}${dirty ? ", dirty" : ""})`
}

export const versions = (): Record<string, string> => ({
  "@stargazer/health-server": libraryVersion(),
  effect: packageVersion("effect"),
  "@effect/platform": packageVersion("@effect/platform"),
  "@effect/platform-node": packageVersion("@effect/platform-node"),
  ioredis: packageVersion("ioredis"),
  "@godaddy/terminus": packageVersion("@godaddy/terminus"),
  lightship: packageVersion("lightship"),
  autocannon: packageVersion("autocannon")
})
