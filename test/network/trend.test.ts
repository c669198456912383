// Where a metric is heading: the least-squares line, the smoothed level and the time until the
// level crosses its threshold — so a link heading for trouble turns the light amber before it fails.
import t from 'tap'
import { linearFit, type TrendPoint } from '../../protocol/linear-fit.js'
import { smoothedLevel, timeToThreshold } from '../../gateway/network/trend.js'

const min = 60_000
const series = (values: number[], start = 0, step = min): TrendPoint[] => values.map((value, i) => ({ at: start + i * step, value }))

t.test('a straight line is fitted exactly', async (t) => {
  const fit = linearFit(series([10, 12, 14, 16]))!
  t.ok(Math.abs(fit.slope * min - 2) < 1e-9, '2 per minute')
  t.ok(Math.abs(fit.intercept - 10) < 1e-9)
  t.equal(fit.r2, 1)
  t.equal(linearFit(series([1])), null)
})

t.test('the smoothed level follows with a lag', async (t) => {
  t.equal(smoothedLevel(series([10, 10, 10]), 0.3), 10)
  t.equal(smoothedLevel(series([0, 10]), 0.3), 3)
  t.equal(smoothedLevel([], 0.3), null)
})

t.test('rising round-trip time: minutes until it crosses the limit', async (t) => {
  // 20, 24, … 48 ms over 8 minutes: 4 ms/min; the smoothed level lags a little behind 48.
  const points = series([20, 24, 28, 32, 36, 40, 44, 48])
  const answer = timeToThreshold({ points, now: 7 * min, threshold: 100, direction: 'rising' })!
  t.ok(Math.abs(answer.slopePerMinute - 4) < 1e-9)
  const minutes = answer.msToThreshold! / min
  t.ok(minutes > 13 && minutes < 16, `about 13–15 minutes (${minutes.toFixed(1)})`)
})

t.test('falling bandwidth: minutes until it drops below the need', async (t) => {
  const points = series([10, 9.5, 9, 8.5, 8, 7.5, 7])
  const answer = timeToThreshold({ points, now: 6 * min, threshold: 3, direction: 'falling' })!
  t.ok(Math.abs(answer.msToThreshold! / min - (answer.level - 3) / 0.5) < 1e-9, "the smoothed level over the slope")
  t.ok(answer.level > 7 && answer.level < 8.5, "the level lags the last value a little")
})

t.test('no trend without enough points, time span or fit; 0 once crossed', async (t) => {
  t.equal(timeToThreshold({ points: series([20, 30, 40]), now: 2 * min, threshold: 100, direction: 'rising' }), null, 'too few points')
  t.equal(timeToThreshold({ points: series([20, 22, 24, 26, 28, 30, 32], 0, 10_000), now: 60_000, threshold: 100, direction: 'rising' }), null, 'a one-minute blip is not a trend')
  const flat = timeToThreshold({ points: series([20, 21, 20, 21, 20, 21, 20]), now: 6 * min, threshold: 100, direction: 'rising' })!
  t.equal(flat.msToThreshold, null, 'not heading anywhere')
  const falling = timeToThreshold({ points: series([50, 45, 40, 35, 30, 25]), now: 5 * min, threshold: 100, direction: 'rising' })!
  t.equal(falling.msToThreshold, null, 'moving away from the limit')
  const noisy = timeToThreshold({ points: series([20, 60, 15, 70, 10, 80, 30]), now: 6 * min, threshold: 100, direction: 'rising' })!
  t.equal(noisy.msToThreshold, null, 'noise is not a trend')
  const over = timeToThreshold({ points: series([120, 125, 130, 135, 140, 145]), now: 5 * min, threshold: 100, direction: 'rising' })!
  t.equal(over.msToThreshold, 0)
})

t.test('old points fall out of the window', async (t) => {
  const points = [...series([200, 10, 300], -60 * min), ...series([20, 24, 28, 32, 36, 40])]
  const answer = timeToThreshold({ points, now: 5 * min, threshold: 100, direction: 'rising', windowMs: 15 * min })!
  t.ok(Math.abs(answer.slopePerMinute - 4) < 1e-9)
})
