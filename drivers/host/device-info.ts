// What the box is, for the equipment register: the board model from the device tree (a Raspberry Pi:
// `Raspberry Pi 4 Model B Rev 1.5`) or from DMI (a NUC: vendor `Intel Corporation`, product
// `NUC11TNHi5`), and the kernel release. Read once at start; whatever is missing is left out.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { DeviceInfo } from '../../protocol/messages.js'

async function readText (path: string): Promise<string | null> {
  try {
    // Device-tree strings end with a NUL byte.
    const text = (await readFile(path, 'utf8')).replace(/\0/g, '').trim()
    return text === '' ? null : text.slice(0, 200)
  } catch {
    return null
  }
}

export async function readDeviceInfo (sysRoot: string, procRoot: string): Promise<DeviceInfo> {
  const [dtModel, dmiProduct, dmiVendor, kernel] = await Promise.all([
    readText(join(sysRoot, 'firmware', 'devicetree', 'base', 'model')),
    readText(join(sysRoot, 'class', 'dmi', 'id', 'product_name')),
    readText(join(sysRoot, 'class', 'dmi', 'id', 'sys_vendor')),
    readText(join(procRoot, 'sys', 'kernel', 'osrelease'))
  ])
  const info: DeviceInfo = {}
  const model = dtModel ?? dmiProduct
  if (model !== null) info.model = model
  if (dtModel !== null && /^Raspberry Pi/.test(dtModel)) info.vendor = 'Raspberry Pi Ltd'
  else if (dmiVendor !== null) info.vendor = dmiVendor
  if (kernel !== null) info.firmware = `Linux ${kernel}`
  return info
}
