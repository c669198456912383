import t from 'tap'
import { storeContractSuite } from './store-contract.js'
import { influxFixture } from './store-fixtures.js'
storeContractSuite(t, await influxFixture(t))
