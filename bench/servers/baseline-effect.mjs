// baseline+effect: baseline (baseline.mjs) that first loads effect/Effect and effect/Layer, the modules every
// Effect 3 program loads before its own code runs (as the library does, module by module, not the `effect`
// barrel). Measured for start-up and idle RSS only: the floor of any Effect 3 program's start-up on this machine,
// which the library's standalone start-up is compared with.
import "effect/Effect"
import "effect/Layer"
import "./baseline.mjs"
