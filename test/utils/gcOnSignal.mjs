/**
 * Preloaded into a service under test (`NODE_OPTIONS=--import=<this file>`) by `test/utils/hostile.ts`, and by
 * nothing else. On SIGWINCH (ignored by default; the service does not use it) it runs two full garbage
 * collections and writes one line to stderr, `hostile_gc_done <n> heapUsed=<bytes>`, so a test can read
 * `/proc/<pid>/status` once the heap holds only what is still reachable. Without it, VmRSS of an idle process
 * reflects when V8 last collected (it swings by 60 MB under load), not what the process retains.
 */
import * as V8 from "node:v8"
import * as Vm from "node:vm"

V8.setFlagsFromString("--expose-gc")
const gc = Vm.runInNewContext("gc")
let collections = 0

process.on("SIGWINCH", () => {
  gc()
  gc()
  process.stderr.write(`hostile_gc_done ${++collections} heapUsed=${process.memoryUsage().heapUsed}\n`)
})
