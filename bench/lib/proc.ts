/** A process's CPU time and resident memory, from /proc (Linux). */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"

const ticksPerSecond = Number(ChildProcess.execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100

/** User + system CPU time of every thread of `pid` so far, in seconds (utime + stime of /proc/pid/stat). */
export const cpuSeconds = (pid: number): number => {
  const stat = Fs.readFileSync(`/proc/${pid}/stat`, "utf8")
  // Fields after the command name, which is in parentheses and may hold spaces: state is field 3, utime 14.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond
}

/** Resident set size of `pid` (VmRSS of /proc/pid/status), in MiB. */
export const rssMiB = (pid: number): number => {
  const match = /VmRSS:\s+(\d+) kB/.exec(Fs.readFileSync(`/proc/${pid}/status`, "utf8"))
  if (match === null) throw new Error(`no VmRSS for pid ${pid}`)
  return Number(match[1]) / 1024
}
