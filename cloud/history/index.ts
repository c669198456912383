// The history API: GET /api/rooms/:room/history, read from the telemetry store.
export { historyRoutes, HistoryResponse, type HistoryRoutesOptions } from './history-routes.js'
export { resolveHistoryRequest, historyAccess, parseTime, HistoryRequestError, DEFAULT_MAX_POINTS, MAX_POINTS, MAX_SPAN_MS, type HistoryParams, type HistoryRequest, type HistoryAccess } from './history-query.js'
export { isStateMetric, lastPointsBefore, withStateBefore, STATE_METRICS } from './state-before.js'
