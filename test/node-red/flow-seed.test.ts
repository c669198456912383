// The flows a room starts from: the config's flow files merged into Node-RED's flow file, kept in
// step with the config until someone deploys from the editor, then never overwritten.
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { mergeFlowFiles, seedFlows } from '../../gateway/node-red/flow-seed.js'
import { exampleFlowFiles } from '../../gateway/node-red/index.js'
import { tempDir, type Teardown } from '../helpers/index.js'

const room = { id: 'r1', type: 'helserom-room', name: 'Dette rommet', broker: '', room: '' }
const tab = (id: string): Record<string, unknown> => ({ id, type: 'tab', label: id })

function files (t: Teardown, contents: Record<string, unknown[]>): string[] {
  const dir = tempDir(t)
  return Object.entries(contents).map(([name, nodes]) => {
    const file = join(dir, name)
    writeFileSync(file, JSON.stringify(nodes))
    return file
  })
}

const flowsIn = (userDir: string): Array<{ id: string }> => JSON.parse(readFileSync(join(userDir, 'flows.json'), 'utf8'))

t.test('files are joined; a config node they share is kept once', async (t) => {
  const merged = mergeFlowFiles(files(t, { 'a.json': [tab('a'), room], 'b.json': [tab('b'), room] }))
  t.same(merged.map((n) => n.id), ['a', 'r1', 'b'])
})

t.test('two different nodes with one id are refused, naming both files', async (t) => {
  const [a, b] = files(t, { 'a.json': [room], 'b.json': [{ ...room, name: 'Et annet rom' }] })
  t.throws(() => mergeFlowFiles([a!, b!]), { message: new RegExp(`b\\.json: node r1 differs from the node with the same id in .*a\\.json`) })
})

t.test('a file that is not a flow export is refused with its name', async (t) => {
  const [bad] = files(t, { 'bad.json': { not: 'an array' } as unknown as unknown[] })
  t.throws(() => mergeFlowFiles([bad!]), { message: /bad\.json: expected an array of nodes/ })
})

t.test('the example flows merge into one flow file with one room node', async (t) => {
  const merged = mergeFlowFiles(exampleFlowFiles())
  t.equal(merged.filter((n) => n.type === 'tab').length, 3)
  t.equal(merged.filter((n) => n.type === 'helserom-room').length, 1)
})

t.test('written at first, kept in step with the config, then left to the editor', async (t) => {
  const userDir = tempDir(t)
  const [one, two] = files(t, { 'one.json': [tab('one'), room], 'two.json': [tab('two'), room] })
  t.equal(seedFlows({ userDir, flowFile: 'flows.json', files: [] }), 'none', 'nothing named, nothing written')
  t.equal(seedFlows({ userDir, flowFile: 'flows.json', files: [one!] }), 'written')
  t.same(flowsIn(userDir).map((n) => n.id), ['one', 'r1'])
  t.equal(seedFlows({ userDir, flowFile: 'flows.json', files: [one!] }), 'unchanged', 'a restart changes nothing')
  t.equal(seedFlows({ userDir, flowFile: 'flows.json', files: [one!, two!] }), 'written', 'a file added to the config arrives')
  t.same(flowsIn(userDir).map((n) => n.id), ['one', 'r1', 'two'])

  // A deploy from the editor rewrites the file in Node-RED's own way.
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify([tab('one'), room, tab('mine')]))
  t.equal(seedFlows({ userDir, flowFile: 'flows.json', files: [one!] }), 'kept-edited', 'what people deployed wins')
  t.same(flowsIn(userDir).map((n) => n.id), ['one', 'r1', 'mine'])
  t.equal(seedFlows({ userDir, flowFile: 'flows.json', files: [] }), 'kept-edited', 'also when the config names no files any more')
})

t.test('an empty flow file (Node-RED started without flows) is not anybody\'s work', async (t) => {
  const userDir = tempDir(t)
  writeFileSync(join(userDir, 'flows.json'), '[]')
  const [one] = files(t, { 'one.json': [tab('one')] })
  t.equal(seedFlows({ userDir, flowFile: 'flows.json', files: [one!] }), 'written')
})
