import t from 'tap'
import { storeContractSuite } from './store-contract.js'
import { embeddedFixture } from './store-fixtures.js'
storeContractSuite(t, embeddedFixture)
