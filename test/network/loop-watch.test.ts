// The loop watch notices when this process's own event loop was blocked, so answers stamped then
// are not taken as the network's doing.
import t from 'tap'
import { performance } from 'node:perf_hooks'
import { LoopWatch, STALL_MS } from '../../gateway/network/loop-watch.js'
import { waitFor } from '../helpers/index.js'

t.test('a blocked loop is seen; once it runs again, it is not', async (t) => {
  const watch = new LoopWatch()
  t.equal(watch.stalledAt(performance.now()), false, 'not watching: nothing to say')
  watch.start()
  t.teardown(() => watch.stop())
  await waitFor('the loop ticking along', () => !watch.stalledAt(performance.now()), { timeoutMs: 5000 })
  const until = performance.now() + 3 * STALL_MS
  while (performance.now() < until) { /* block the loop, as a long garbage collection would */ }
  t.equal(watch.stalledAt(performance.now()), true, 'stamped at the end of a stall, before the next tick')
  await waitFor('the loop ticking along again', () => !watch.stalledAt(performance.now()), { timeoutMs: 5000 })
})

t.test('starts and stops are counted, so probes can share one watch', async (t) => {
  const watch = new LoopWatch()
  watch.start()
  watch.start()
  watch.stop()
  t.equal(watch.stalledAt(performance.now() + 1000), true, 'still watching for the other user')
  watch.stop()
  t.equal(watch.stalledAt(performance.now() + 1000), false, 'stopped: says nothing')
})
