// baseline+effect4: baseline (../servers/baseline.mjs) that first loads effect/Effect and effect/Layer of Effect 4,
// the modules every Effect 4 program loads before its own code runs. Measured for start-up and idle RSS only: the
// floor of any Effect 4 program's start-up on this machine. The Effect 4 twin of ../servers/baseline-effect.mjs.
import "effect/Effect"
import "effect/Layer"
import "../servers/baseline.mjs"
