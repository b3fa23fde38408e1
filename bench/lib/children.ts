/**
 * Every process the bench starts (servers, redis-server, the load generator) goes through `spawn`, which
 * pins it to a core when `taskset` is there and remembers it until it exits, so that `killAllOnExit` can kill
 * whatever is left when the bench ends, fails or is interrupted (Ctrl-C).
 */
import * as ChildProcess from "node:child_process"
import * as Os from "node:os"
import { sleep } from "./time.js"

/** The core of the load side (load generator, redis-server, this process) and of the server under test. */
export const cores = { load: 0, server: 1 } as const

/** Whether processes are pinned: `taskset` works and there are at least two cores. */
export const pinning: boolean = (() => {
  if (Os.availableParallelism() < 2) return false
  try {
    ChildProcess.execFileSync("taskset", ["-c", "0", "true"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
})()

const children = new Set<ChildProcess.ChildProcess>()

/** Starts `command` on `core` (when pinning) and tracks it until it exits. */
export const spawn = (
  core: number,
  command: string,
  args: ReadonlyArray<string>,
  options: ChildProcess.SpawnOptions = {}
): ChildProcess.ChildProcess => {
  // taskset execs the command: the child's pid is the command's.
  const child = pinning
    ? ChildProcess.spawn("taskset", ["-c", String(core), command, ...args], options)
    : ChildProcess.spawn(command, [...args], options)
  children.add(child)
  child.once("exit", () => children.delete(child))
  child.once("error", () => children.delete(child))
  return child
}

/** Pins this process to the load core, so that it never competes with the server under test. */
export const pinSelf = (): void => {
  if (pinning) {
    ChildProcess.execFileSync("taskset", ["-pc", String(cores.load), String(process.pid)], { stdio: "ignore" })
  }
}

/** Resolves when `child` has exited (at once if it already has). */
export const exited = (child: ChildProcess.ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()))

/** SIGKILL (works on a stopped process too), then waits for the exit. */
export const kill = async (child: ChildProcess.ChildProcess): Promise<void> => {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  await exited(child)
}

/** SIGTERM, then SIGKILL if it has not exited within `timeoutMs`; waits for the exit. */
export const terminate = async (child: ChildProcess.ChildProcess, timeoutMs = 5_000): Promise<void> => {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
  const timer = setTimeout(() => void kill(child), timeoutMs)
  await exited(child)
  clearTimeout(timer)
}

/** The last `limit` characters `child` wrote on stdout and stderr (both are drained, so it never blocks). */
export const captureOutput = (child: ChildProcess.ChildProcess, limit = 16_384): () => string => {
  let output = ""
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-limit)
  }
  child.stdout?.on("data", append)
  child.stderr?.on("data", append)
  return () => output
}

const killAll = () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  }
}

/** SIGKILLs every child still running and waits until they have exited (at most 2 s). */
export const stopAll = async (): Promise<void> => {
  const running = [...children]
  killAll()
  await Promise.race([Promise.all(running.map(exited)), sleep(2000)])
}

/**
 * Kills every tracked child when this process ends, however it ends: `exit` (after `stopAll`, or as a last
 * resort, synchronously), Ctrl-C, SIGTERM or SIGHUP.
 */
export const killAllOnExit = (): void => {
  process.once("exit", killAll)
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      console.error(`\nbench: ${signal}, stopping every server and redis-server`)
      void stopAll().finally(() => process.exit(128 + Os.constants.signals[signal]))
    })
  }
}
