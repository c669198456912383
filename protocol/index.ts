// The wire contract shared by gateway, hub and dashboards: topics, message schemas, validation.
export * from './topics.js'
export * from './messages.js'
export * from './validate.js'
