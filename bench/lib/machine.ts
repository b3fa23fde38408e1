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
  node: `${process.version} (the runner's, and every server's: spawned with its process.execPath)`,
  "redis-server": /v=(\S+)/.exec(text("redis-server", ["--version"]))?.[1] ?? "unknown",
  "load generator": `${generator.name} ${generator.version}`,
  pinning: pinning
    ? "taskset: the load generator, redis-server and the runner on core 0, the server under test on core 1"
    : "none (taskset missing or a single core)",
  "load average at start": Os.loadavg().map((load) => load.toFixed(2)).join(" ")
})

/** A package's version as installed for the servers of bench/ (`dir` ""), or of bench/effect4/ (`dir` "effect4"). */
const packageVersion = (name: string, dir = ""): string => {
  try {
    const json = JSON.parse(Fs.readFileSync(Path.join(benchDir, dir, "node_modules", name, "package.json"), "utf8"))
    return String(json.version)
  } catch {
    return "not installed"
  }
}

/**
 * A library package's version, and the commit of the working tree it was built from (dirty: uncommitted changes
 * to it or to @stargazer/health-core, which both build on).
 */
const libraryVersion = (name: string, packageDir: string, dir = ""): string => {
  const paths = [packageDir, "packages/health-core"]
  const commit = text("git", ["rev-parse", "--short", "HEAD"])
  let dirty = text("git", ["ls-files", "--others", "--exclude-standard", ...paths]) !== ""
  try {
    ChildProcess.execFileSync("git", ["diff", "--quiet", "HEAD", "--", ...paths], {
      cwd: root,
      stdio: "ignore"
    })
  } catch {
    dirty = true
  }
  return `${packageVersion(name, dir)} (workspace, built from ${commit}${dirty ? ", dirty" : ""})`
}

/** The Effect 3 servers' packages (bench/node_modules), then the Effect 4 servers' (bench/effect4/node_modules). */
export const versions = (): Record<string, string> => ({
  "@stargazer/health-server": libraryVersion("@stargazer/health-server", "packages/health-server"),
  "@stargazer/health-server-effect4": libraryVersion(
    "@stargazer/health-server-effect4",
    "packages/health-server-effect4",
    "effect4"
  ),
  effect: packageVersion("effect"),
  "@effect/platform": packageVersion("@effect/platform"),
  "@effect/platform-node": packageVersion("@effect/platform-node"),
  ioredis: packageVersion("ioredis"),
  "effect (effect4/)": packageVersion("effect", "effect4"),
  "@effect/platform-node (effect4/)": packageVersion("@effect/platform-node", "effect4"),
  "ioredis (effect4/)": packageVersion("ioredis", "effect4"),
  "@godaddy/terminus": packageVersion("@godaddy/terminus"),
  lightship: packageVersion("lightship"),
  autocannon: packageVersion("autocannon")
})
