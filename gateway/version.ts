// The version every status message and /healthz reports: the package's own.
export { VERSION } from '../protocol/project-files.js'
