// How long to wait before the next attempt to open a port that failed or was lost: 250 ms, doubling
// to at most 5 s, back to the start once the device sends a readable line again.

export class ReconnectBackoff {
  private attempt = 0

  constructor (private readonly firstMs = 250, private readonly capMs = 5000) {}

  next (): number {
    const delay = Math.min(this.capMs, this.firstMs * 2 ** Math.min(this.attempt, 30))
    this.attempt++
    return delay
  }

  reset (): void {
    this.attempt = 0
  }
}
