// The driver-contract suite for video-stream, against the simulator's RTSP side behind Digest auth
// (the common Jodapro / IP-camera setup) and against its MJPEG side.
import t from 'tap'
import { videoStreamDriver } from '../../drivers/video-stream/index.js'
import { startVideoStreamSimulator, type SimulatedStream } from '../../drivers/video-stream/simulator.js'
import { driverContractSuite } from './driver-contract.js'

for (const stream of ['rtsp', 'mjpeg'] as SimulatedStream[]) {
  t.test(`video-stream over ${stream}`, async (t) => {
    driverContractSuite(t, {
      factory: videoStreamDriver,
      givesReadings: false,
      setup: async (t) => {
        const sim = await startVideoStreamSimulator({
          stream,
          auth: { username: 'helserom', password: 'hemmelig' },
          driver: { pollIntervalMs: 300, measureWindowMs: 400, timeoutMs: 1500 }
        })
        t.teardown(sim.stop)
        return {
          config: { id: 'jodapro-1', name: 'Jodapro', kind: 'video-stream', ...sim.deviceConfig },
          vanish: sim.offline,
          reappear: sim.restore
        }
      }
    })
  })
}
