/**
 * A workspace package as publishing makes it, for the packed-package tests of both Effect lines: plain Node and
 * promises, no Effect, so that each line's test wraps them in its own Effect.
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"

/** The workspace root. */
export const workspace = Path.resolve(import.meta.dirname, "../..")

/** Runs `command` (in the workspace root unless `options.cwd`); its output when it exits 0, else an error with it. */
export const run = (
  command: string,
  args: ReadonlyArray<string>,
  options: ChildProcess.SpawnOptions = {}
): Promise<string> =>
  new Promise((resolve, reject) => {
    let output = ""
    const child = ChildProcess.spawn(command, args, { cwd: workspace, stdio: ["ignore", "pipe", "pipe"], ...options })
    child.stdout!.on("data", (chunk) => output += chunk)
    child.stderr!.on("data", (chunk) => output += chunk)
    child.once("exit", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} exited ${code}:\n${output}`)))
  })

/**
 * Packs the workspace package `name` (`pnpm pack`, as publishing does: `workspace:` ranges become versions)
 * and unpacks it into the consumer's node_modules `modules`; its directory there.
 */
export const packInto = async (name: string, modules: string): Promise<string> => {
  const dir = Path.join(modules, "..", "packed", name)
  const target = Path.join(modules, name)
  Fs.mkdirSync(dir, { recursive: true })
  Fs.mkdirSync(target, { recursive: true })
  await run("pnpm", ["--filter", name, "pack", "--pack-destination", dir])
  const tarball = Fs.readdirSync(dir).find((file) => file.endsWith(".tgz"))!
  await run("tar", ["-xzf", Path.join(dir, tarball), "--strip-components=1", "-C", target])
  return target
}
