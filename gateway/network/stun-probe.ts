// The probe of a path to a STUN server (e.g. the one on the video relay path): RFC 5389 Binding
// requests in the same bursts as the hub probe. A STUN server stamps no times, so this path gives
// round-trip time, round-trip jitter and loss; it also tells the address the server saw us from.
import { bindingRequest, parseBindingResponse } from './stun-message.js'
import { UdpRoundTripProbe, type MatchedAnswer } from './udp-round-trip.js'

export class StunProbe extends UdpRoundTripProbe {
  /** The address and port the STUN server last saw us from (our public address behind NAT). */
  mapped: { address: string, port: number } | null = null

  protected question (): { key: string, packet: Buffer } {
    const { transactionId, packet } = bindingRequest()
    return { key: transactionId, packet }
  }

  protected match (packet: Buffer): MatchedAnswer | null {
    const response = parseBindingResponse(packet)
    if (response === null) return null
    // An error response still proves the path works both ways, so it counts as an answer.
    if (response.mapped !== null) this.mapped = response.mapped
    return { key: response.transactionId, heldMs: 0, upMs: null, downMs: null }
  }
}
